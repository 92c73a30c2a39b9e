//! The C tests: the programs `ffi/tests/*.c` and the examples in `examples/c/`, compiled with `cc`
//! against the *installed* library, as a C user would: `make -C ffi install PREFIX=<tmp>` (header,
//! libdocker.so, libdocker.a, the monitor, libdocker.pc), then `cc x.c $(pkg-config --cflags --libs
//! libdocker)` for the shared library and `pkg-config --static` with `libdocker.a` for the static
//! one. Each program gets its own state root, and must leave nothing behind (mounts, processes,
//! cgroups). `lifecycle.c` and `errors.c` also run under valgrind with 0 bytes definitely lost.
//!
//! Needs, in the same target directory: `cargo build -p libdocker-ffi -p libdocker-monitor -p dock`
//! (`scripts/test-c.sh` does it all), root, a C compiler, pkg-config, make, GNU tar, Debian's
//! `busybox-static` and valgrind.

use libdocker_e2e::{bin_dir, repo_root, Env};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

/// The installed prefix and the fixture, made once per test process in `<target>/<profile>/c-tests`
/// (emptied first).
struct Installed {
    work: PathBuf,
    prefix: PathBuf,
    busybox: PathBuf,
}

fn run(cmd: &mut Command) -> Output {
    let out = cmd.output().unwrap_or_else(|e| panic!("run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed ({}):\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn installed() -> &'static Installed {
    static I: OnceLock<Installed> = OnceLock::new();
    I.get_or_init(|| {
        let out = bin_dir();
        for f in ["libdocker.so", "libdocker.a", "libdocker-monitor", "dock"] {
            assert!(
                out.join(f).exists(),
                "{} is missing: run `cargo build -p libdocker-ffi -p libdocker-monitor -p dock` first \
                 (or scripts/test-c.sh)",
                out.join(f).display()
            );
        }
        // `cargo test` does not rebuild the cdylib/staticlib (nor other packages' binaries): refuse
        // to test a stale build.
        for (f, sources) in [
            ("libdocker.so", ["ffi/src", "engine/src"]),
            ("libdocker.a", ["ffi/src", "engine/src"]),
            ("libdocker-monitor", ["monitor/src", "engine/src"]),
            ("dock", ["cli/src", "engine/src"]),
        ] {
            let newest = sources.iter().filter_map(|d| newest_mtime(&repo_root().join(d))).max().expect("sources");
            let built = std::fs::metadata(out.join(f)).and_then(|m| m.modified()).expect("mtime");
            assert!(
                built >= newest,
                "{} is older than its sources: run `cargo build -p libdocker-ffi -p libdocker-monitor -p dock` \
                 first (or scripts/test-c.sh)",
                out.join(f).display()
            );
        }
        let work = out.join("c-tests");
        let _ = std::fs::remove_dir_all(&work);
        std::fs::create_dir_all(&work).expect("c-tests dir");
        let prefix = work.join("prefix");
        let profile = out.file_name().expect("profile dir").to_string_lossy().into_owned();
        let target_dir = out.parent().expect("target dir");
        run(Command::new("make")
            .arg("-s")
            .arg("-C")
            .arg(repo_root().join("ffi"))
            .arg("install")
            .arg(format!("PREFIX={}", prefix.display()))
            .arg(format!("PROFILE={}", if profile == "debug" { "dev" } else { &profile }))
            .arg(format!("TARGET_DIR={}", target_dir.display())));
        let busybox = work.join("busybox.tar");
        run(Command::new("sh").arg(repo_root().join("tests/fixtures/busybox-rootfs.sh")).arg(&busybox));
        Installed { work, prefix, busybox }
    })
}

/// The newest modification time of the files under `dir`.
fn newest_mtime(dir: &Path) -> Option<std::time::SystemTime> {
    let mut newest = None;
    for e in std::fs::read_dir(dir).ok()?.flatten() {
        let m = if e.file_type().ok()?.is_dir() { newest_mtime(&e.path()) } else { e.metadata().ok()?.modified().ok() };
        newest = newest.max(m);
    }
    newest
}

fn pkg_config(args: &[&str]) -> Vec<String> {
    let i = installed();
    let out = run(Command::new("pkg-config")
        .env("PKG_CONFIG_PATH", i.prefix.join("lib/pkgconfig"))
        .args(args)
        .arg("libdocker"));
    String::from_utf8(out.stdout).expect("UTF-8").split_whitespace().map(str::to_string).collect()
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum Link {
    Shared,
    Static,
}

/// Compile `ffi/tests/<name>.c` (or any C file) against the installed library.
fn compile(src: &Path, link: Link) -> PathBuf {
    let i = installed();
    let exe = i.work.join(format!(
        "{}-{}",
        src.file_stem().unwrap().to_string_lossy(),
        if link == Link::Shared { "so" } else { "a" }
    ));
    let mut cc = Command::new(std::env::var("CC").unwrap_or_else(|_| "cc".into()));
    cc.args(["-std=c11", "-D_GNU_SOURCE", "-Wall", "-Wextra", "-Werror", "-g", "-O1"])
        .arg("-o")
        .arg(&exe)
        .arg(src)
        .args(pkg_config(&["--cflags"]));
    match link {
        // cc app.c $(pkg-config --cflags --libs libdocker), plus an rpath so that the program runs
        // from a temporary prefix.
        Link::Shared => {
            cc.args(pkg_config(&["--libs"])).arg(format!("-Wl,-rpath,{}", i.prefix.join("lib").display()));
        }
        // The static library by name, then what it needs (Libs.private).
        Link::Static => {
            let libs = pkg_config(&["--static", "--libs"]);
            cc.args(libs.iter().map(|l| if l == "-ldocker" { "-l:libdocker.a" } else { l }));
        }
    }
    cc.arg("-lpthread");
    run(&mut cc);
    // The static program must not need libdocker.so; the shared one must.
    let ldd = run(Command::new("ldd").arg(&exe));
    let needs_so = String::from_utf8_lossy(&ldd.stdout).contains("libdocker.so");
    assert_eq!(
        needs_so,
        link == Link::Shared,
        "{} ({link:?}):\n{}",
        exe.display(),
        String::from_utf8_lossy(&ldd.stdout)
    );
    exe
}

/// Environment of a C test program: its root, the fixture, `dock`; the monitor found next to
/// libdocker.so (shared) or through LIBDOCKER_SHIM (static, installed outside /usr).
fn command(exe: &Path, env: &Env, link: Link) -> Command {
    let i = installed();
    // A hung test must not hang the run.
    let mut c = Command::new("timeout");
    c.arg("300")
        .arg(exe)
        .env("LIBDOCKER_TEST_ROOT", env.path())
        .env("LIBDOCKER_TEST_BUSYBOX", &i.busybox)
        .env("LIBDOCKER_TEST_DOCK", bin_dir().join("dock"))
        .env_remove("LIBDOCKER_ROOT")
        .env_remove("LIBDOCKER_SHIM")
        .stdin(Stdio::null());
    if link == Link::Static {
        let monitor = pkg_config(&["--variable=monitor"]).join(" ");
        assert!(Path::new(&monitor).is_file(), "monitor {monitor}");
        c.env("LIBDOCKER_SHIM", monitor);
    }
    c
}

fn check_output(what: &str, out: &Output) {
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    print!("{stdout}");
    assert!(out.status.success(), "{what} failed ({}):\nstdout: {stdout}\nstderr: {stderr}", out.status);
    assert!(stdout.contains("checks passed"), "{what}: no summary line:\n{stdout}");
}

fn c_test(name: &str, link: Link) {
    let exe = compile(&repo_root().join(format!("ffi/tests/{name}.c")), link);
    let env = Env::new();
    let out = command(&exe, &env, link).output().expect("run the C test");
    check_output(&format!("{name} ({link:?})"), &out);
    env.finish();
}

/// `valgrind --leak-check=full`: no memory error, and 0 bytes definitely lost.
fn c_test_valgrind(name: &str) {
    let exe = compile(&repo_root().join(format!("ffi/tests/{name}.c")), Link::Shared);
    let env = Env::new();
    let log = env.path().join("valgrind.log");
    // valgrind 3.19 does not know openat2(2), which the engine's import uses: `dock` imports the
    // fixture beforehand, and the program skips the steps that need it (see lifecycle.c).
    let import = env.dock(&["import", installed().busybox.to_str().expect("UTF-8 path"), "busybox"]);
    assert!(import.status.success(), "dock import: {}", String::from_utf8_lossy(&import.stderr));
    let c = command(&exe, &env, Link::Shared);
    let mut vg = Command::new("timeout");
    vg.args(["900", "valgrind", "--leak-check=full", "--errors-for-leak-kinds=definite", "--error-exitcode=99"])
        .arg(format!("--log-file={}", log.display()))
        .arg(&exe)
        .env("LIBDOCKER_TEST_VALGRIND", "1")
        .stdin(Stdio::null());
    for (k, v) in c.get_envs() {
        match v {
            Some(v) => vg.env(k, v),
            None => vg.env_remove(k),
        };
    }
    let out = vg.output().expect("run valgrind (apt-get install valgrind)");
    let report = std::fs::read_to_string(&log).unwrap_or_default();
    let summary: Vec<&str> = report
        .lines()
        .filter(|l| l.contains("definitely lost") || l.contains("ERROR SUMMARY") || l.contains("in use at exit"))
        .collect();
    println!("valgrind {name}:\n{}", summary.join("\n"));
    assert_ne!(out.status.code(), Some(99), "valgrind found errors or definite leaks:\n{report}");
    check_output(&format!("{name} (valgrind)"), &out);
    assert!(
        report.contains("definitely lost: 0 bytes") || report.contains("All heap blocks were freed"),
        "valgrind report:\n{report}"
    );
    drop(c);
    env.finish();
}

/// `examples/c`: built with its Makefile against the installed library, then run.
#[test]
fn examples_run_and_build() {
    let i = installed();
    let out_dir = i.work.join("examples");
    std::fs::create_dir_all(&out_dir).expect("examples dir");
    run(Command::new("make")
        .arg("-s")
        .arg("-C")
        .arg(repo_root().join("examples/c"))
        .arg(format!("PKG_CONFIG_PATH={}", i.prefix.join("lib/pkgconfig").display()))
        .arg(format!("OUT={}", out_dir.display()))
        .arg("CFLAGS=-O1 -g -Wall -Wextra -Werror"));
    let env = Env::new();
    let import = env.dock(&["import", i.busybox.to_str().expect("UTF-8 path"), "busybox"]);
    assert!(import.status.success(), "dock import: {}", String::from_utf8_lossy(&import.stderr));
    let example = |args: &[&str]| -> Output {
        Command::new("timeout")
            .arg("300")
            .arg(out_dir.join("run"))
            .args(args)
            .env("LIBDOCKER_ROOT", env.path())
            .env_remove("LIBDOCKER_SHIM")
            .stdin(Stdio::null())
            .output()
            .expect("run the example")
    };
    let out = example(&[]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "hello from libdocker\n", "{out:?}");
    assert!(out.status.success(), "{out:?}");
    let out = example(&["busybox", "sh", "-c", "echo to stdout; echo to stderr >&2; exit 3"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "to stdout\n", "{out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stderr), "to stderr\n", "{out:?}");
    assert_eq!(out.status.code(), Some(3));
    let out = example(&["no-such-image"]);
    assert_eq!(out.status.code(), Some(125));
    assert!(String::from_utf8_lossy(&out.stderr).contains("No such image: no-such-image"), "{out:?}");
    // --rm: nothing left
    assert_eq!(env.ok(&["ps", "-aq"]), "");

    // build: a directory with a Dockerfile becomes an image, its output streamed.
    let ctx = i.work.join("build-context");
    std::fs::create_dir_all(&ctx).expect("context dir");
    std::fs::write(ctx.join("greeting"), "hello from a C build\n").expect("context file");
    std::fs::write(
        ctx.join("Dockerfile"),
        "FROM busybox\nCOPY greeting /greeting\nRUN echo step-output\nCMD [\"cat\", \"/greeting\"]\n",
    )
    .expect("Dockerfile");
    let out = Command::new("timeout")
        .arg("300")
        .arg(out_dir.join("build"))
        .arg(&ctx)
        .arg("from-c:1")
        .env("LIBDOCKER_ROOT", env.path())
        .env_remove("LIBDOCKER_SHIM")
        .stdin(Stdio::null())
        .output()
        .expect("run the build example");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{out:?}");
    assert!(
        text.contains("Step 1/4 : FROM busybox") && text.contains("step-output") && text.contains("image: sha256:"),
        "{text}"
    );
    assert_eq!(env.ok(&["run", "--rm", "from-c:1"]), "hello from a C build\n");
    // A failing build: the error, exit 1, nothing tagged.
    std::fs::write(ctx.join("Dockerfile"), "FROM busybox\nRUN false\n").expect("Dockerfile");
    let out = Command::new(out_dir.join("build"))
        .arg(&ctx)
        .arg("broken:1")
        .env("LIBDOCKER_ROOT", env.path())
        .output()
        .expect("build");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("returned a non-zero code: 1"), "{out:?}");
    assert_eq!(env.dock(&["inspect", "broken:1"]).status.code(), Some(1));
    env.ok(&["rmi", "from-c:1"]);
    env.finish();
}

macro_rules! c_tests {
    ($($name:ident),*) => {
        mod shared {
            $(#[test]
            fn $name() {
                super::c_test(stringify!($name), super::Link::Shared);
            })*
        }
        mod static_lib {
            $(#[test]
            fn $name() {
                super::c_test(stringify!($name), super::Link::Static);
            })*
        }
    };
}

// ffi/tests/<name>.c, each against libdocker.so and libdocker.a.
c_tests!(lifecycle, errors, threads, crossfe);

#[test]
fn valgrind_lifecycle() {
    c_test_valgrind("lifecycle");
}

#[test]
fn valgrind_errors() {
    c_test_valgrind("errors");
}

/// Every `docker_*` symbol that libdocker.so exports is declared in the header, and the reverse.
#[test]
fn exported_symbols_match_the_header() {
    let i = installed();
    let nm = run(Command::new("nm").args(["-D", "--defined-only"]).arg(i.prefix.join("lib/libdocker.so")));
    let mut exported: Vec<String> = String::from_utf8_lossy(&nm.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().nth(2))
        .filter(|s| s.starts_with("docker_"))
        .map(str::to_string)
        .collect();
    exported.sort();
    let header = std::fs::read_to_string(i.prefix.join("include/docker.h")).expect("installed header");
    // Every identifier `docker_…` directly followed by `(`: a function declaration.
    let mut declared: Vec<String> = Vec::new();
    for (at, _) in header.match_indices("docker_") {
        let rest = &header[at..];
        let end = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(rest.len());
        let before_ok = header[..at].chars().last().is_none_or(|c| !(c.is_ascii_alphanumeric() || c == '_'));
        if before_ok && rest[end..].starts_with('(') {
            declared.push(rest[..end].to_string());
        }
    }
    declared.sort();
    declared.dedup();
    assert_eq!(exported, declared);
    assert!(exported.len() > 40, "{exported:?}");
}

/// The installed header compiles alone as strict C99 and as C++ (its `extern "C"` block).
#[test]
fn header_compiles_as_c99_and_cxx() {
    let i = installed();
    let src = i.work.join("header-only.c");
    std::fs::write(&src, "#include <docker.h>\nint main(void) { return docker_version()[0] == 0; }\n").unwrap();
    let inc = format!("-I{}", i.prefix.join("include").display());
    run(Command::new("cc")
        .args(["-std=c99", "-pedantic", "-Wall", "-Wextra", "-Werror", "-fsyntax-only", &inc])
        .arg(&src));
    let cxx = std::env::var("CXX").unwrap_or_else(|_| "c++".into());
    if Command::new(&cxx).arg("--version").output().is_ok() {
        run(Command::new(&cxx)
            .args(["-x", "c++", "-std=c++11", "-Wall", "-Wextra", "-Werror", "-fsyntax-only", &inc])
            .arg(&src));
    } else {
        println!("no C++ compiler ({cxx}): C++ check skipped");
    }
}
