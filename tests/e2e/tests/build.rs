//! `dock build`: every instruction and form, then the images run; multi-stage, substitution,
//! `.dockerignore`, ONBUILD, the cache; bad input (a clear error, nothing tagged, nothing left);
//! and the build rows of security.md §1.4 (context and image escapes, ADD of archives and URLs,
//! cache poisoning).

use libdocker_e2e::tar::TarBuilder;
use libdocker_e2e::{stderr, stdout, Env};
use serde_json::Value;
use std::io::{Read, Write};
use tempfile::TempDir;

/// A build context holding `files` (path, content); parents are created.
fn context(files: &[(&str, &str)]) -> TempDir {
    let dir = tempfile::Builder::new().prefix("ldctx-").tempdir().unwrap();
    for (p, content) in files {
        let path = dir.path().join(p);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }
    dir
}

fn p(d: &TempDir) -> &str {
    d.path().to_str().unwrap()
}

/// `dock build` with `args`; returns (stdout, stderr, exit code).
fn build(env: &Env, args: &[&str]) -> (String, String, i32) {
    let mut all = vec!["build"];
    all.extend_from_slice(args);
    let out = env.dock(&all);
    (stdout(&out), stderr(&out), out.status.code().unwrap_or(-1))
}

/// `dock build` that must succeed; returns stdout.
fn build_ok(env: &Env, args: &[&str]) -> String {
    let (out, err, code) = build(env, args);
    assert_eq!(code, 0, "dock build {args:?} failed:\nstdout: {out}\nstderr: {err}");
    out
}

/// `dock run --rm image cmd…` → stdout.
fn run(env: &Env, image: &str, cmd: &[&str]) -> String {
    let mut args = vec!["run", "--rm"];
    if !cmd.is_empty() {
        args.extend(["--entrypoint", cmd[0], image]);
        args.extend_from_slice(&cmd[1..]);
    } else {
        args.push(image);
    }
    env.ok(&args)
}

fn cat(env: &Env, image: &str, file: &str) -> String {
    run(env, image, &["cat", file])
}

/// The probe's report from inside an image (entrypoint replaced).
fn probe(env: &Env, image: &str, extra: &[&str]) -> Value {
    let mut args = vec!["run", "--rm"];
    args.extend_from_slice(extra);
    args.extend(["--entrypoint", "/usr/local/bin/probe", image, "report"]);
    serde_json::from_str(env.ok(&args).trim()).unwrap()
}

/// Nothing but the base image, no container, no volume, no staging.
fn assert_nothing_left(env: &Env) {
    assert_eq!(repositories(env), ["busybox"], "only the base image may be tagged");
    assert_eq!(env.ok(&["ps", "-aq"]), "", "no container may be left");
    assert_eq!(env.ok(&["volume", "ls", "-q"]), "", "no volume may be left");
}

/// The repositories `dock images` lists, sorted.
fn repositories(env: &Env) -> Vec<String> {
    let mut r: Vec<String> =
        env.ok(&["images"]).lines().skip(1).filter_map(|l| l.split_whitespace().next()).map(str::to_string).collect();
    r.sort();
    r
}

/// `dock history --no-trunc` (the CREATED BY column in full).
fn history(env: &Env, image: &str) -> String {
    env.ok(&["history", "--no-trunc", image])
}

#[test]
fn every_instruction_and_form_then_run() {
    let env = Env::new();
    env.busybox();
    let archive = TarBuilder::new().dir("pkg/").file("pkg/inner.txt", b"from the archive").finish();
    let ctx = context(&[
        (
            "Dockerfile",
            r#"# syntax=docker/dockerfile:1
# escape=\
ARG BASE=busybox
FROM ${BASE} AS base
MAINTAINER Jane Doe <jane@example.com>
LABEL org.example.name="every instruction" version=1
ENV GREETING=hello NAME=world
ENV OLD_STYLE value with spaces
ARG TARGETDIR=/srv
EXPOSE 80 443/tcp 53/udp
VOLUME ["/data"]
STOPSIGNAL SIGINT
HEALTHCHECK --interval=30s --timeout=3s --retries=2 CMD /usr/local/bin/probe echo healthy
SHELL ["/bin/sh", "-e", "-c"]
RUN echo "$GREETING $NAME" > /greeting && mkdir -p $TARGETDIR \
    && echo "continued" > /continued
RUN ["/bin/sh", "-c", "echo exec form > /exec"]
RUN <<EOF
echo heredoc line 1 > /heredoc
echo heredoc line 2 >> /heredoc
EOF
COPY <<EOF /etc/motd
hello $NAME
EOF
COPY file.txt $TARGETDIR/
ADD archive.tar /unpacked/
WORKDIR $TARGETDIR/work
WORKDIR sub
USER app
ONBUILD RUN echo triggered > /tmp/onbuild
ENTRYPOINT ["/usr/local/bin/probe"]
CMD ["report"]
"#,
        ),
        ("file.txt", "a context file\n"),
    ]);
    std::fs::write(ctx.path().join("archive.tar"), archive).unwrap();
    let out = build_ok(&env, &["-t", "every", p(&ctx)]);
    assert!(out.contains("Step 1/24 : ARG BASE=busybox"), "{out}");
    assert!(out.contains("Step 2/24 : FROM ${BASE} AS base\n ---> "), "{out}");
    assert!(out.contains(" ---> Running in "), "{out}");
    assert!(out.contains("Removing intermediate container "), "{out}");
    assert!(out.contains("Successfully built ") && out.ends_with("Successfully tagged every:latest\n"), "{out}");

    let img = env.inspect("every");
    let c = &img["Config"];
    assert_eq!(img["Author"], "Jane Doe <jane@example.com>");
    assert_eq!(c["Labels"]["org.example.name"], "every instruction");
    assert_eq!(c["Labels"]["version"], "1");
    let env_list: Vec<&str> = c["Env"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    assert!(env_list.contains(&"GREETING=hello") && env_list.contains(&"OLD_STYLE=value with spaces"), "{env_list:?}");
    let ports: Vec<&String> = c["ExposedPorts"].as_object().unwrap().keys().collect();
    assert_eq!(ports, ["443/tcp", "53/udp", "80/tcp"]);
    assert!(c["Volumes"]["/data"].is_object());
    assert_eq!(c["StopSignal"], "SIGINT");
    assert_eq!(c["Healthcheck"]["Test"], serde_json::json!(["CMD-SHELL", "/usr/local/bin/probe echo healthy"]));
    assert_eq!(c["Healthcheck"]["Interval"], 30_000_000_000i64);
    assert_eq!(c["Healthcheck"]["Retries"], 2);
    assert_eq!(c["Shell"], serde_json::json!(["/bin/sh", "-e", "-c"]));
    assert_eq!(c["WorkingDir"], "/srv/work/sub");
    assert_eq!(c["User"], "app");
    assert_eq!(c["OnBuild"], serde_json::json!(["RUN echo triggered > /tmp/onbuild"]));
    assert_eq!(c["Entrypoint"], serde_json::json!(["/usr/local/bin/probe"]));
    assert_eq!(c["Cmd"], serde_json::json!(["report"]));

    // The image runs as its config says: user app, in its WORKDIR, with its ENV.
    let report: Value = serde_json::from_str(run(&env, "every", &[]).trim()).unwrap();
    assert_eq!(report["uid"], 1000);
    assert_eq!(report["cwd"], "/srv/work/sub");
    assert!(report["env"].as_array().unwrap().iter().any(|e| e == "GREETING=hello"), "{report}");
    // And every step left its files.
    assert_eq!(cat(&env, "every", "/greeting"), "hello world\n");
    assert_eq!(cat(&env, "every", "/continued"), "continued\n");
    assert_eq!(cat(&env, "every", "/exec"), "exec form\n");
    assert_eq!(cat(&env, "every", "/heredoc"), "heredoc line 1\nheredoc line 2\n");
    assert_eq!(cat(&env, "every", "/etc/motd"), "hello world\n");
    assert_eq!(cat(&env, "every", "/srv/file.txt"), "a context file\n");
    assert_eq!(cat(&env, "every", "/unpacked/pkg/inner.txt"), "from the archive");
    // WORKDIR directories are created owned by root, 0755.
    let st: Value =
        serde_json::from_str(run(&env, "every", &["/usr/local/bin/probe", "stat", "/srv/work/sub"]).trim()).unwrap();
    assert_eq!((st["type"].as_str(), st["mode"].as_str(), st["uid"].as_i64()), (Some("dir"), Some("0755"), Some(0)));

    // History like the classic builder's.
    let history = history(&env, "every");
    for expected in [
        "/bin/sh -c #(nop)  ENV GREETING=hello NAME=world",
        "/bin/sh -c #(nop)  EXPOSE 443/tcp 53/udp 80",
        "/bin/sh -c #(nop)  VOLUME [/data]",
        "/bin/sh -e -c #(nop)  CMD [\"report\"]",
        "/bin/sh -e -c #(nop) WORKDIR /srv/work/sub",
        "/bin/sh -c #(nop)  HEALTHCHECK &{[\"CMD-SHELL\" \"/usr/local/bin/probe echo healthy\"] \"30s\" \"3s\" \"0s\" '\\x02'}",
        "|1 TARGETDIR=/srv /bin/sh -e -c echo \"$GREETING $NAME\" > /greeting",
        "/bin/sh -c #(nop)  ARG TARGETDIR=/srv",
    ] {
        assert!(history.contains(expected), "history lacks {expected:?}:\n{history}");
    }
    assert_nothing_left_but(&env, &["busybox", "every"]);
    env.finish();
}

fn assert_nothing_left_but(env: &Env, tags: &[&str]) {
    let images = repositories(env);
    let mut want: Vec<String> = tags.iter().map(|s| s.to_string()).collect();
    want.sort();
    assert_eq!(images, want);
    assert_eq!(env.ok(&["ps", "-aq"]), "", "no container may be left");
    assert_eq!(env.ok(&["volume", "ls", "-q"]), "", "no volume may be left");
}

#[test]
fn the_seed_style_lowercase_dockerfile() {
    let env = Env::new();
    env.busybox();
    // Docker 0.4's README style: lower-case instructions, a tab after the word.
    let ctx = context(&[
        ("Dockerfile", "from\tbusybox\nmaintainer\tseed\nrun\techo 'seed ran' > /seed\ncopy\tapp.conf /etc/app.conf\nexpose\t8080\ncmd\tcat /seed\n"),
        ("app.conf", "listen 8080\n"),
    ]);
    let out = build_ok(&env, &["-t", "seed", p(&ctx)]);
    assert!(out.contains("Step 1/6 : from\tbusybox"), "{out}");
    assert_eq!(run(&env, "seed", &[]), "seed ran\n");
    assert_eq!(cat(&env, "seed", "/etc/app.conf"), "listen 8080\n");
    env.finish();
}

#[test]
fn multi_stage_with_copy_from_and_target() {
    let env = Env::new();
    env.busybox();
    let ctx = context(&[(
        "Dockerfile",
        "FROM busybox AS builder\nRUN mkdir -p /out && echo built > /out/artifact && echo two > /out/second\n\
         FROM busybox AS unused\nRUN false\n\
         FROM builder AS extended\nRUN echo extended >> /out/artifact\n\
         FROM busybox\nCOPY --from=builder /out/artifact /app/\nCOPY --from=0 /out/second /app/\n\
         COPY --from=extended /out/artifact /app/extended\nCOPY --from=busybox /etc/passwd /app/passwd\n",
    )]);
    // The stage `unused` would fail: it is not needed, so it is not built.
    let out = build_ok(&env, &["-t", "multi", p(&ctx)]);
    assert!(!out.contains("RUN false"), "{out}");
    assert_eq!(cat(&env, "multi", "/app/artifact"), "built\n");
    assert_eq!(cat(&env, "multi", "/app/second"), "two\n");
    assert_eq!(cat(&env, "multi", "/app/extended"), "built\nextended\n");
    assert!(cat(&env, "multi", "/app/passwd").contains("app:x:1000"));

    // --target stops at a stage; a missing target is an error naming it.
    build_ok(&env, &["--target", "extended", "-t", "partial", p(&ctx)]);
    assert_eq!(cat(&env, "partial", "/out/artifact"), "built\nextended\n");
    let (_, err, code) = build(&env, &["--target", "nosuch", "-t", "never", p(&ctx)]);
    assert_eq!(code, 1);
    assert!(err.contains("target stage \"nosuch\" could not be found"), "{err}");
    // The unused stage does fail when it is the target.
    let (out, err, code) = build(&env, &["--target", "unused", p(&ctx)]);
    assert_eq!(code, 1, "{out}");
    assert!(err.contains("The command '/bin/sh -c false' returned a non-zero code: 1"), "{err}");
    assert_nothing_left_but(&env, &["busybox", "multi", "partial"]);
    env.finish();
}

#[test]
fn arg_and_env_substitution() {
    let env = Env::new();
    env.busybox();
    let ctx = context(&[
        (
            "Dockerfile",
            r#"ARG IMAGE=busybox
ARG UNUSED_GLOBAL=x
FROM $IMAGE
ARG IMAGE
ARG WHO=nobody
ARG EMPTY
ENV HOME_DIR=/home/$WHO MODE=${MODE:-default} SET=${WHO:+is-set} UNSET=${EMPTY:+never} LITERAL=\$WHO
ENV CHAIN=$HOME_DIR/x
LABEL who=$WHO image=${IMAGE}
COPY ${WHO}.txt /files/
RUN echo "arg:$WHO env:$HOME_DIR image:$IMAGE proxy:$http_proxy" > /subst
"#,
        ),
        ("nobody.txt", "n"),
        ("someone.txt", "s"),
    ]);
    let out = build_ok(&env, &["-t", "subst", p(&ctx)]);
    assert!(!out.contains("[Warning]"), "{out}");
    let c = env.inspect("subst")["Config"].clone();
    let envs: Vec<String> = c["Env"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect();
    for want in
        ["HOME_DIR=/home/nobody", "MODE=default", "SET=is-set", "UNSET=", "LITERAL=$WHO", "CHAIN=/home/nobody/x"]
    {
        assert!(envs.contains(&want.to_string()), "{want} not in {envs:?}");
    }
    assert_eq!(c["Labels"]["who"], "nobody");
    assert_eq!(c["Labels"]["image"], "busybox");
    assert_eq!(cat(&env, "subst", "/files/nobody.txt"), "n");
    assert_eq!(cat(&env, "subst", "/subst"), "arg:nobody env:/home/nobody image:busybox proxy:\n");
    // Build args are not in the image's environment.
    assert!(!envs.iter().any(|e| e.starts_with("WHO=")), "{envs:?}");

    // --build-arg overrides defaults; proxy args reach RUN without being declared, but stay
    // out of the history; an unknown build arg is reported.
    let out = build_ok(
        &env,
        &[
            "--build-arg",
            "WHO=someone",
            "--build-arg",
            "http_proxy=http://proxy:3128",
            "--build-arg",
            "NOPE=1",
            "-t",
            "subst2",
            p(&ctx),
        ],
    );
    assert!(out.contains("[Warning] One or more build-args [NOPE] were not consumed"), "{out}");
    assert_eq!(cat(&env, "subst2", "/files/someone.txt"), "s");
    assert_eq!(cat(&env, "subst2", "/subst"), "arg:someone env:/home/someone image:busybox proxy:http://proxy:3128\n");
    let history = history(&env, "subst2");
    assert!(history.contains("|2 IMAGE=busybox WHO=someone /bin/sh -c echo"), "{history}");
    assert!(!history.contains("proxy:3128"), "{history}");
    env.finish();
}

#[test]
fn dockerignore_rules() {
    let env = Env::new();
    env.busybox();
    let ctx = context(&[
        ("Dockerfile", "FROM busybox\nCOPY . /ctx/\nRUN cd /ctx && find . | sort > /listing\n"),
        (".dockerignore", "# comment\n**/*.log\nsecret\nbuild\n!build/keep.txt\nDockerfile\n"),
        ("app.txt", "a"),
        ("debug.log", "x"),
        ("sub/deep/trace.log", "x"),
        ("sub/deep/ok.txt", "ok"),
        ("secret", "s"),
        ("build/out.bin", "b"),
        ("build/keep.txt", "k"),
    ]);
    build_ok(&env, &["-t", "ignored", p(&ctx)]);
    let listing = cat(&env, "ignored", "/listing");
    let want = ".\n./.dockerignore\n./app.txt\n./build\n./build/keep.txt\n./sub\n./sub/deep\n./sub/deep/ok.txt\n";
    assert_eq!(listing, want);
    // Ignored files cannot be named either.
    let bad =
        context(&[("Dockerfile", "FROM busybox\nCOPY secret /\n"), (".dockerignore", "secret\n"), ("secret", "s")]);
    let (_, err, code) = build(&env, &[p(&bad)]);
    assert_eq!(code, 1);
    assert!(
        err.contains("COPY failed: file not found in build context or excluded by .dockerignore: stat secret"),
        "{err}"
    );
    env.finish();
}

#[test]
fn copy_and_add_rules() {
    let env = Env::new();
    env.busybox();
    let ctx = context(&[
        (
            "Dockerfile",
            r#"FROM busybox
COPY dir /contents/
COPY dir /contents-no-slash
COPY file.txt /renamed.txt
COPY file.txt /into/
COPY *.md /docs/
COPY d?r/s[a-z]b/*.txt /wild/
RUN mkdir /existing
COPY file.txt /existing
COPY --chown=app:extra file.txt /owned/
COPY --chown=1234 dir /numeric/
COPY --chmod=0750 file.txt /chmodded
WORKDIR /work
COPY file.txt .
COPY file.txt rel/
ADD file.txt.gz /gz/
"#,
        ),
        ("dir/a.txt", "a"),
        ("dir/sub/b.txt", "b"),
        ("file.txt", "f"),
        ("one.md", "1"),
        ("two.md", "2"),
    ]);
    // A gzip file that is not a tar stays a file under ADD.
    let gz = {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(b"not a tar").unwrap();
        e.finish().unwrap()
    };
    std::fs::write(ctx.path().join("file.txt.gz"), gz).unwrap();
    std::os::unix::fs::symlink("a.txt", ctx.path().join("dir/link")).unwrap();
    build_ok(&env, &["-t", "rules", p(&ctx)]);
    let ls =
        |path: &str| run(&env, "rules", &["ls", "-A", path]).split_whitespace().map(str::to_string).collect::<Vec<_>>();
    assert_eq!(ls("/contents"), ["a.txt", "link", "sub"], "a directory's contents are copied");
    assert_eq!(ls("/contents-no-slash"), ["a.txt", "link", "sub"]);
    assert_eq!(run(&env, "rules", &["readlink", "/contents/link"]), "a.txt\n", "links inside are copied as links");
    assert_eq!(cat(&env, "rules", "/renamed.txt"), "f");
    assert_eq!(cat(&env, "rules", "/into/file.txt"), "f");
    assert_eq!(ls("/docs"), ["one.md", "two.md"]);
    assert_eq!(ls("/wild"), ["b.txt"]);
    assert_eq!(cat(&env, "rules", "/existing/file.txt"), "f", "an existing directory receives the file");
    let stat = |path: &str| -> Value {
        serde_json::from_str(run(&env, "rules", &["/usr/local/bin/probe", "stat", path]).trim()).unwrap()
    };
    let s = stat("/owned/file.txt");
    assert_eq!((s["uid"].as_i64(), s["gid"].as_i64()), (Some(1000), Some(2000)));
    let s = stat("/owned");
    assert_eq!((s["uid"].as_i64(), s["gid"].as_i64()), (Some(1000), Some(2000)), "new directories get the owner");
    let s = stat("/numeric/sub/b.txt");
    assert_eq!((s["uid"].as_i64(), s["gid"].as_i64()), (Some(1234), Some(1234)));
    assert_eq!(stat("/chmodded")["mode"], "0750");
    let s = stat("/renamed.txt");
    assert_eq!((s["uid"].as_i64(), s["mode"].as_str()), (Some(0), Some("0644")), "root owns copies");
    assert_eq!(cat(&env, "rules", "/work/file.txt"), "f");
    assert_eq!(cat(&env, "rules", "/work/rel/file.txt"), "f");
    assert_eq!(stat("/gz/file.txt.gz")["type"], "file");

    // Several sources need a directory destination; a missing source is an error.
    for (df, msg) in [
        ("FROM busybox\nCOPY *.md /one\n", "When using COPY with more than one source file, the destination must be a directory and end with a /"),
        ("FROM busybox\nCOPY nosuch /x\n", "COPY failed: file not found in build context or excluded by .dockerignore: stat nosuch: file does not exist"),
        ("FROM busybox\nCOPY *.nomatch /x/\n", "COPY failed: no source files were specified"),
        ("FROM busybox\nCOPY http://127.0.0.1:1/x /x\n", "COPY failed: source can't be a URL for COPY"),
    ] {
        let bad = context(&[("Dockerfile", df), ("one.md", "1"), ("two.md", "2")]);
        let (_, err, code) = build(&env, &["-t", "never", p(&bad)]);
        assert_eq!(code, 1, "{df}");
        assert!(err.contains(msg), "{df}: {err}");
    }
    assert_nothing_left_but(&env, &["busybox", "rules"]);
    env.finish();
}

#[test]
fn onbuild_triggers_run_in_the_child() {
    let env = Env::new();
    env.busybox();
    let base = context(&[(
        "Dockerfile",
        "FROM busybox\nONBUILD COPY marker.txt /from-child/\nONBUILD RUN echo \"triggered in child\" > /triggered\n",
    )]);
    build_ok(&env, &["-t", "onbuild-base", p(&base)]);
    assert_eq!(env.inspect("onbuild-base")["Config"]["OnBuild"].as_array().unwrap().len(), 2);
    let child = context(&[("Dockerfile", "FROM onbuild-base\nRUN cat /triggered\n"), ("marker.txt", "m")]);
    let out = build_ok(&env, &["-t", "onbuild-child", p(&child)]);
    assert!(out.contains("# Executing 2 build triggers"), "{out}");
    assert_eq!(cat(&env, "onbuild-child", "/triggered"), "triggered in child\n");
    assert_eq!(cat(&env, "onbuild-child", "/from-child/marker.txt"), "m");
    // Triggers run once: the child does not inherit them.
    assert!(env.inspect("onbuild-child")["Config"]["OnBuild"].is_null());
    env.finish();
}

#[test]
fn cache_hits_and_misses() {
    let env = Env::new();
    env.busybox();
    let ctx = context(&[
        (
            "Dockerfile",
            "FROM busybox\nRUN echo one > /one\nCOPY data.txt /\nRUN cat /data.txt > /two\nENV A=b\nCMD [\"sh\"]\n",
        ),
        ("data.txt", "v1"),
    ]);
    let first = build_ok(&env, &["-t", "cached", p(&ctx)]);
    assert!(!first.contains("Using cache"), "{first}");
    let id1 = env.inspect("cached")["Id"].clone();
    let second = build_ok(&env, &["-t", "cached", p(&ctx)]);
    assert_eq!(second.matches(" ---> Using cache").count(), 5, "{second}");
    assert!(!second.contains("Running in"), "{second}");
    assert_eq!(env.inspect("cached")["Id"], id1);

    // A changed COPY source misses from that step on; a touched one (same content) does not.
    std::fs::write(ctx.path().join("data.txt"), "v2").unwrap();
    let third = build_ok(&env, &["-t", "cached", p(&ctx)]);
    assert_eq!(third.matches(" ---> Using cache").count(), 1, "only the first RUN hits:\n{third}");
    assert_eq!(cat(&env, "cached", "/two"), "v2");
    let f = std::fs::File::options().write(true).open(ctx.path().join("data.txt")).unwrap();
    f.set_modified(std::time::SystemTime::now() - std::time::Duration::from_secs(3600)).unwrap();
    let fourth = build_ok(&env, &["-t", "cached", p(&ctx)]);
    assert_eq!(fourth.matches(" ---> Using cache").count(), 5, "{fourth}");

    // A changed instruction misses; --no-cache never hits.
    std::fs::write(
        ctx.path().join("Dockerfile"),
        "FROM busybox\nRUN echo one > /one\nCOPY data.txt /\nRUN cat /data.txt > /two\nENV A=c\nCMD [\"sh\"]\n",
    )
    .unwrap();
    let fifth = build_ok(&env, &["-t", "cached", p(&ctx)]);
    assert_eq!(fifth.matches(" ---> Using cache").count(), 3, "{fifth}");
    let sixth = build_ok(&env, &["--no-cache", "-t", "cached", p(&ctx)]);
    assert!(!sixth.contains("Using cache"), "{sixth}");
    // Build args in effect are part of a RUN's identity.
    std::fs::write(ctx.path().join("Dockerfile"), "FROM busybox\nARG V=1\nRUN echo $V > /v\n").unwrap();
    build_ok(&env, &["-t", "args", p(&ctx)]);
    let again = build_ok(&env, &["--build-arg", "V=2", "-t", "args", p(&ctx)]);
    assert_eq!(again.matches(" ---> Using cache").count(), 1, "ARG hits, RUN with another value misses:\n{again}");
    assert_eq!(cat(&env, "args", "/v"), "2\n");
    env.finish();
}

#[test]
fn loaded_images_never_serve_as_cache() {
    // CVE-2024-24557: build, then replace the built image by a crafted one with the same parent
    // and another HEALTHCHECK; the rebuild must not take it.
    let env = Env::new();
    env.busybox();
    let ctx = context(&[("Dockerfile", "FROM busybox\nRUN echo x > /x\nHEALTHCHECK CMD echo good\n")]);
    build_ok(&env, &["-t", "victim", p(&ctx)]);
    let good = env.inspect("victim");
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("victim.tar");
    env.ok(&["save", "-o", saved.to_str().unwrap(), "victim"]);
    env.ok(&["rmi", "victim"]);
    // The very same image loaded back is not "built here": not a candidate.
    env.ok(&["load", "-i", saved.to_str().unwrap()]);
    let out = build_ok(&env, &["-t", "victim", p(&ctx)]);
    let hc_step = out.split("HEALTHCHECK").nth(1).unwrap();
    assert!(!hc_step.contains("Using cache"), "a loaded image served as cache:\n{out}");
    assert_eq!(env.inspect("victim")["Config"]["Healthcheck"], good["Config"]["Healthcheck"]);
    env.finish();
}

#[test]
fn bad_input_fails_clearly_and_leaves_nothing() {
    let env = Env::new();
    env.busybox();
    let cases: &[(&str, &str)] = &[
        (
            "FROM busybox\nRUN true\nNOINSTRUCTION x\n",
            "dockerfile parse error on line 3: unknown instruction: NOINSTRUCTION",
        ),
        ("", "the Dockerfile (Dockerfile) cannot be empty"),
        ("# only a comment\n\n", "the Dockerfile (Dockerfile) cannot be empty"),
        ("FROM nosuchimage\nRUN true\n", "No such image: nosuchimage:latest"),
        ("FROM busybox\nCOPY ../x /\n", "forbidden path outside the build context: ../x ()"),
        (
            "FROM busybox\nCOPY missing.txt /\n",
            "file not found in build context or excluded by .dockerignore: stat missing.txt",
        ),
        (
            "FROM busybox\nRUN [1]\n",
            "dockerfile parse error on line 2: when using JSON array syntax, arrays must be comprised of strings only",
        ),
        (
            "FROM busybox\nSHELL /bin/sh -c\n",
            "dockerfile parse error on line 2: SHELL requires the arguments to be in JSON form",
        ),
        ("FROM busybox\nRUN --mount=type=cache,target=/x true\n", "RUN --mount is not supported"),
        ("FROM busybox\nRUN false\n", "The command '/bin/sh -c false' returned a non-zero code: 1"),
        (
            "FROM busybox\nRUN [\"/bin/sh\", \"-c\", \"exit 3\"]\n",
            "The command '/bin/sh -c exit 3' returned a non-zero code: 3",
        ),
    ];
    for (df, msg) in cases {
        let ctx = context(&[("Dockerfile", df)]);
        let (out, err, code) = build(&env, &["-t", "never", p(&ctx)]);
        let want = if msg.contains("exit 3") { 3 } else { 1 };
        assert_eq!(code, want, "{df:?}\nstdout: {out}\nstderr: {err}");
        assert!(err.contains(msg), "{df:?}: expected {msg:?}, got {err}");
        assert_nothing_left(&env);
    }
    let (_, err, code) = build(&env, &["--target", "x", p(&context(&[("Dockerfile", "FROM busybox\n")]))]);
    assert_eq!(code, 1);
    assert!(err.contains("target stage \"x\" could not be found"), "{err}");
    let (_, err, code) = build(&env, &["-t", "never", "/nonexistent/context"]);
    assert_eq!(code, 1);
    assert!(err.contains("unable to prepare context: path \"/nonexistent/context\" not found"), "{err}");
    let (_, err, _) = build(&env, &["-t", "Bad:Tag", p(&context(&[("Dockerfile", "FROM busybox\n")]))]);
    assert!(err.contains("invalid reference format") || err.contains("lowercase"), "{err}");
    // A failing RUN keeps its container with --rm=false (Docker's classic behaviour).
    let ctx = context(&[("Dockerfile", "FROM busybox\nRUN false\n")]);
    let (_, _, code) = build(&env, &["--rm=false", p(&ctx)]);
    assert_eq!(code, 1);
    let kept = env.ok(&["ps", "-aq"]);
    assert_eq!(kept.lines().count(), 1);
    env.ok(&["rm", kept.trim()]);
    assert_nothing_left(&env);
    env.finish();
}

#[test]
fn contexts_from_stdin_and_other_dockerfiles() {
    let env = Env::new();
    env.busybox();
    // A lone Dockerfile on stdin: an empty context.
    let out = env.dock_stdin(&["build", "-t", "lone", "-"], b"FROM busybox\nRUN echo lone > /lone\n");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(cat(&env, "lone", "/lone"), "lone\n");
    // A tar, plain and gzipped, with a Dockerfile elsewhere in it (-f).
    let tar = TarBuilder::new()
        .file("build/Dockerfile.custom", b"FROM busybox\nCOPY payload.txt /\n")
        .file("payload.txt", b"from the tar")
        .finish();
    let out = env.dock_stdin(&["build", "-f", "build/Dockerfile.custom", "-t", "tarctx", "-"], &tar);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(cat(&env, "tarctx", "/payload.txt"), "from the tar");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&TarBuilder::new().file("Dockerfile", b"FROM busybox\nCOPY p /\n").file("p", b"gz").finish()).unwrap();
    let out = env.dock_stdin(&["build", "-t", "gzctx", "-"], &gz.finish().unwrap());
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(cat(&env, "gzctx", "/p"), "gz");
    // -f inside the context, outside it, and from stdin with a directory context.
    let ctx = context(&[
        ("ctx/f.txt", "f"),
        ("ctx/sub/Dockerfile.dev", "FROM busybox\nCOPY f.txt /dev.txt\n"),
        ("outside.Dockerfile", "FROM busybox\nCOPY f.txt /out.txt\n"),
    ]);
    let c = ctx.path().join("ctx");
    env.ok(&["build", "-f", c.join("sub/Dockerfile.dev").to_str().unwrap(), "-t", "fin", c.to_str().unwrap()]);
    assert_eq!(cat(&env, "fin", "/dev.txt"), "f");
    env.ok(&[
        "build",
        "-f",
        ctx.path().join("outside.Dockerfile").to_str().unwrap(),
        "-t",
        "fout",
        c.to_str().unwrap(),
    ]);
    assert_eq!(cat(&env, "fout", "/out.txt"), "f");
    let out = env.dock_stdin(
        &["build", "-f", "-", "-t", "fstdin", c.to_str().unwrap()],
        b"FROM busybox\nCOPY f.txt /stdin.txt\n",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(cat(&env, "fstdin", "/stdin.txt"), "f");
    env.finish();
}

#[test]
fn quiet_tags_labels_and_iidfile() {
    let env = Env::new();
    env.busybox();
    let ctx = context(&[("Dockerfile", "FROM busybox\nRUN echo noisy\nLABEL from=file\n")]);
    let dir = tempfile::tempdir().unwrap();
    let iid = dir.path().join("iid");
    let out = build_ok(
        &env,
        &[
            "-q",
            "-t",
            "one:1",
            "-t",
            "two",
            "--label",
            "extra=yes",
            "--label",
            "from=flag",
            "--iidfile",
            iid.to_str().unwrap(),
            p(&ctx),
        ],
    );
    let id = out.trim();
    assert!(id.starts_with("sha256:") && id.len() == 71 && out.lines().count() == 1, "-q prints only the id: {out}");
    assert_eq!(std::fs::read_to_string(&iid).unwrap(), id);
    for t in ["one:1", "two"] {
        assert_eq!(env.inspect(t)["Id"], id);
    }
    let labels = env.inspect("two")["Config"]["Labels"].clone();
    assert_eq!((labels["extra"].as_str(), labels["from"].as_str()), (Some("yes"), Some("flag")));
    // A failing quiet build shows what happened.
    let bad = context(&[("Dockerfile", "FROM busybox\nRUN echo before-failing; false\n")]);
    let (out, err, code) = build(&env, &["-q", p(&bad)]);
    assert_eq!((code, out.as_str()), (1, ""));
    assert!(err.contains("before-failing") && err.contains("returned a non-zero code: 1"), "{err}");
    env.finish();
}

#[test]
fn run_network_user_and_workdir_inside() {
    let env = Env::new();
    env.busybox();
    let ctx = context(&[(
        "Dockerfile",
        "FROM busybox\nUSER app\nWORKDIR /w/x\nRUN /usr/local/bin/probe report > /tmp/report\nUSER root\n\
         RUN ls /sys/class/net > /tmp/none\nRUN --network=host ls /sys/class/net > /tmp/host\n",
    )]);
    build_ok(&env, &["-t", "inside", p(&ctx)]);
    let report: Value = serde_json::from_str(&cat(&env, "inside", "/tmp/report")).unwrap();
    assert_eq!((report["uid"].as_i64(), report["cwd"].as_str()), (Some(1000), Some("/w/x")), "{report}");
    assert_eq!(cat(&env, "inside", "/tmp/none").trim(), "lo", "RUN has no network but loopback");
    let host: Vec<String> = std::fs::read_dir("/sys/class/net")
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let seen = cat(&env, "inside", "/tmp/host");
    assert!(host.iter().all(|i| seen.contains(i.as_str())), "--network=host sees the host's interfaces: {seen}");
    let p = probe(&env, "inside", &[]);
    assert_eq!(p["cwd"], "/w/x");
    env.finish();
}

// ---- security.md §1.4 -------------------------------------------------------------------

/// A host directory that must stay untouched (and must not receive `foo.txt`/`inject`).
fn victim() -> TempDir {
    tempfile::Builder::new().prefix("ldvictim-").tempdir().unwrap()
}

fn assert_untouched(v: &TempDir) {
    let entries: Vec<_> = std::fs::read_dir(v.path()).unwrap().collect();
    assert!(entries.is_empty(), "the build wrote to the host: {entries:?}");
}

#[test]
fn add_of_archives_with_breakout_links_stays_in_the_image() {
    let env = Env::new();
    env.busybox();
    let v = victim();
    let vp = v.path().to_str().unwrap().trim_start_matches('/');
    // TestBuildAddBadLinks: a link to the host path, then a file added through it.
    let links = TarBuilder::new().symlink("symlink", &format!("/../../../../{vp}")).finish();
    // TestBuildSymlinkBreakout: two hops.
    let two_hops =
        TarBuilder::new().symlink("symlink2", "/../../..").symlink("symlink", &format!("symlink2/{vp}")).finish();
    let ctx = context(&[
        ("Dockerfile", "FROM busybox\nADD links.tar /\nADD foo.txt /symlink/\nADD twohops.tar /t/\nADD foo.txt /t/symlink/inject\n"),
        ("foo.txt", "payload"),
    ]);
    std::fs::write(ctx.path().join("links.tar"), links).unwrap();
    std::fs::write(ctx.path().join("twohops.tar"), two_hops).unwrap();
    build_ok(&env, &["-t", "links", p(&ctx)]);
    assert_untouched(&v);
    // The files went inside the image, where the links lead there.
    assert_eq!(cat(&env, "links", &format!("/{vp}/foo.txt")), "payload");
    assert_eq!(cat(&env, "links", &format!("/{vp}/inject")), "payload");

    // TestBuildAddBadLinksVolume: the link made by a RUN, declared a VOLUME, then written to.
    let vol = context(&[
        ("Dockerfile", &format!("FROM busybox\nRUN ln -s /../../../../{vp} /x\nVOLUME /x\nADD foo.txt /x/\n")),
        ("foo.txt", "payload"),
    ]);
    build_ok(&env, &["-t", "linksvol", p(&vol)]);
    assert_untouched(&v);
    assert_nothing_left_but(&env, &["busybox", "links", "linksvol"]);
    env.finish();
}

#[test]
fn context_symlinks_resolve_inside_the_context() {
    let env = Env::new();
    env.busybox();
    let ctx = context(&[("Dockerfile", "FROM busybox\nCOPY link/passwd /x\n")]);
    std::os::unix::fs::symlink("/etc", ctx.path().join("link")).unwrap();
    let (_, err, code) = build(&env, &["-t", "never", p(&ctx)]);
    assert_eq!(code, 1);
    assert!(err.contains("file not found in build context"), "the host's /etc was read: {err}");
    // With the context's own etc, the link leads there.
    std::fs::create_dir(ctx.path().join("etc")).unwrap();
    std::fs::write(ctx.path().join("etc/passwd"), "context's own\n").unwrap();
    build_ok(&env, &["-t", "scoped", p(&ctx)]);
    assert_eq!(cat(&env, "scoped", "/x"), "context's own\n");
    // An absolute or climbing source is the context itself, never the host.
    let abs = context(&[("Dockerfile", "FROM busybox\nCOPY /etc/passwd /y\n")]);
    let (_, err, code) = build(&env, &["-t", "never", p(&abs)]);
    assert_eq!(code, 1, "{err}");
    assert_nothing_left_but(&env, &["busybox", "scoped"]);
    env.finish();
}

#[test]
fn workdir_through_an_image_symlink_stays_in_the_image() {
    let env = Env::new();
    env.busybox();
    let v = victim();
    let vp = v.path().to_str().unwrap();
    let ctx = context(&[
        ("Dockerfile", &format!("FROM busybox\nRUN ln -s {vp} /app\nWORKDIR /app/sub\nCOPY f /app/sub/f\n")),
        ("f", "f"),
    ]);
    build_ok(&env, &["-t", "wd", p(&ctx)]);
    assert_untouched(&v);
    assert_eq!(cat(&env, "wd", &format!("{vp}/sub/f")), "f");
    // And at run time (`run -w`), the same.
    env.ok(&["run", "--rm", "-w", "/app/other", "wd", "true"]);
    assert_untouched(&v);
    env.finish();
}

/// Serve `body` (with `status`) to every request on 127.0.0.1 until the returned guard drops.
struct Server {
    port: u16,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    fn start(status: &'static str, body: Vec<u8>) -> Server {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.set_nonblocking(true).unwrap();
        let port = l.local_addr().unwrap().port();
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let s = stop.clone();
        let thread = std::thread::spawn(move || {
            while !s.load(std::sync::atomic::Ordering::Relaxed) {
                match l.accept() {
                    Ok((mut c, _)) => {
                        c.set_nonblocking(false).unwrap();
                        let mut buf = [0u8; 4096];
                        let _ = c.read(&mut buf);
                        let head = format!("HTTP/1.1 {status}\r\nContent-Length: {}\r\nLast-Modified: Sun, 06 Nov 1994 08:49:37 GMT\r\nConnection: close\r\n\r\n", body.len());
                        let _ = c.write_all(head.as_bytes());
                        let _ = c.write_all(&body);
                    }
                    Err(_) => std::thread::sleep(std::time::Duration::from_millis(5)),
                }
            }
        });
        Server { port, stop, thread: Some(thread) }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[test]
fn add_from_url_is_a_0600_file_never_unpacked() {
    let env = Env::new();
    env.busybox();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&TarBuilder::new().file("inside.txt", b"would be unpacked").finish()).unwrap();
    let served = Server::start("200 OK", gz.finish().unwrap());
    let missing = Server::start("404 Not Found", b"no such thing".to_vec());
    let ctx = context(&[(
        "Dockerfile",
        &format!(
            "FROM busybox\nADD http://127.0.0.1:{}/a.tar.gz /d/\nADD http://127.0.0.1:{}/a.tar.gz /named\n",
            served.port, served.port
        ),
    )]);
    build_ok(&env, &["-t", "url", p(&ctx)]);
    let st: Value =
        serde_json::from_str(run(&env, "url", &["/usr/local/bin/probe", "stat", "/d/a.tar.gz"]).trim()).unwrap();
    assert_eq!((st["type"].as_str(), st["mode"].as_str(), st["uid"].as_i64()), (Some("file"), Some("0600"), Some(0)));
    assert_eq!(run(&env, "url", &["ls", "/d"]).trim(), "a.tar.gz", "a remote archive is not unpacked");
    assert_eq!(run(&env, "url", &["stat", "-c", "%Y", "/named"]).trim(), "784111777", "mtime from Last-Modified");

    let bad = context(&[("Dockerfile", &format!("FROM busybox\nADD http://127.0.0.1:{}/nope.txt /\n", missing.port))]);
    let (_, err, code) = build(&env, &["-t", "never", p(&bad)]);
    assert_eq!(code, 1);
    assert!(
        err.contains(&format!(
            "ADD failed: failed to GET http://127.0.0.1:{}/nope.txt with status 404 Not Found: no such thing",
            missing.port
        )),
        "{err}"
    );
    let https = context(&[("Dockerfile", "FROM busybox\nADD https://127.0.0.1:1/x /\n")]);
    let (_, err, _) = build(&env, &["-t", "never", p(&https)]);
    assert!(err.contains("https sources are not supported"), "{err}");
    assert_nothing_left_but(&env, &["busybox", "url"]);
    env.finish();
}

#[test]
fn intermediate_images_and_the_build_cache_index() {
    let env = Env::new();
    env.busybox();
    let ctx = context(&[("Dockerfile", "FROM busybox\nRUN echo a > /a\nENV X=1\n")]);
    build_ok(&env, &["-t", "chain", p(&ctx)]);
    // Intermediate images show with -a only, and go with the final image.
    let all = env.ok(&["images", "-a", "-q"]).lines().count();
    let shown = env.ok(&["images", "-q"]).lines().count();
    assert_eq!((all, shown), (3, 2), "busybox, one intermediate, the result");
    env.ok(&["rmi", "chain"]);
    assert_eq!(env.ok(&["images", "-a", "-q"]).lines().count(), 1);
    // The index entries now point at nothing: a miss, not an error.
    let out = build_ok(&env, &["-t", "chain", p(&ctx)]);
    assert!(!out.contains("Using cache"), "{out}");
    // The index is files named by the key.
    let entries = std::fs::read_dir(env.path().join("build-cache")).unwrap().count();
    assert!(entries >= 2, "{entries}");
    env.finish();
}

#[test]
fn from_scratch_with_a_static_binary() {
    let env = Env::new();
    let ctx = context(&[("Dockerfile", "FROM scratch\nCOPY probe /probe\nRUN [\"/probe\", \"write\", \"/made-by-run\", \"x\"]\nENTRYPOINT [\"/probe\"]\n")]);
    std::fs::copy(libdocker_e2e::bin_dir().join("probe"), ctx.path().join("probe")).unwrap();
    build_ok(&env, &["-t", "tiny", p(&ctx)]);
    let img = env.inspect("tiny");
    assert_eq!(img["RootFS"]["Layers"].as_array().unwrap().len(), 2);
    // The RUN's layer holds what the command made, not the runtime's mount points.
    let mut found = false;
    for l in std::fs::read_dir(env.path().join("layers")).unwrap().flatten() {
        let names: Vec<String> = std::fs::read_dir(l.path().join("diff"))
            .map(|rd| rd.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect())
            .unwrap_or_default();
        if names.contains(&"made-by-run".to_string()) {
            assert_eq!(names, ["made-by-run"]);
            found = true;
        }
    }
    assert!(found);
    let out: Value = serde_json::from_str(env.ok(&["run", "--rm", "tiny", "read", "/made-by-run"]).trim()).unwrap();
    assert_eq!(out["content_prefix"], "x");
    // A shell-form RUN on an image without files is refused clearly.
    let empty = context(&[("Dockerfile", "FROM scratch\nENV A=b\nRUN true\n")]);
    let (_, err, code) = build(&env, &["-t", "never", p(&empty)]);
    assert_eq!(code, 1);
    assert!(err.contains("the image has no files yet (FROM scratch)"), "{err}");
    env.finish();
}

/// The same Dockerfile built by Docker 20.10's classic builder: the same steps and the same
/// history (`created_by`, COPY content hashes aside: ours are not tarsums).
#[test]
#[ignore = "needs Docker (docker.io) as a test peer"]
fn same_steps_and_history_as_dockers_classic_builder() {
    libdocker_e2e::require_tool("dockerd");
    let work = tempfile::Builder::new().prefix("ldbuildinterop-").tempdir_in("/var/tmp").unwrap();
    let d = libdocker_e2e::Dockerd::start(&work.path().join("dockerd")).expect("dockerd did not start");
    let env = Env::new();
    env.busybox();
    let saved = work.path().join("bb.tar");
    env.ok(&["save", "-o", saved.to_str().unwrap(), "busybox"]);
    let docker = |args: &[&str]| {
        let out = d.docker().args(args).output().unwrap();
        assert!(out.status.success(), "docker {args:?}: {}", stderr(&out));
        stdout(&out)
    };
    docker(&["load", "-i", saved.to_str().unwrap()]);
    let ctx = context(&[
        (
            "Dockerfile",
            "ARG BASE=busybox\nFROM $BASE\nMAINTAINER someone <s@example.com>\nARG V=1\nENV A=b C=\"d e\"\n\
             LABEL l1=v1 \"l 2\"=v2\nEXPOSE 8080 53/udp 80\nVOLUME /data /logs\nUSER app\nUSER root\nSTOPSIGNAL SIGINT\n\
             HEALTHCHECK --interval=30s --timeout=5s --retries=3 CMD wget -q localhost\nWORKDIR /srv\nWORKDIR app\n\
             RUN echo $V > /v\nRUN [\"sh\", \"-c\", \"echo exec\"]\nCOPY f.txt /f.txt\nCOPY d /d/\nCOPY --chown=app f.txt g.txt /multi/\n\
             ONBUILD RUN echo later\nSHELL [\"/bin/sh\", \"-x\", \"-c\"]\nRUN true\nENTRYPOINT [\"sh\"]\nCMD [\"-c\", \"echo hi\"]\n",
        ),
        ("f.txt", "f"),
        ("g.txt", "g"),
        ("d/x", "x"),
    ]);
    let ours = build_ok(&env, &["-t", "same", p(&ctx)]);
    let out = d.docker().args(["build", "--network", "none", "-t", "same", p(&ctx)]).output().unwrap();
    assert!(out.status.success(), "docker build: {}", stderr(&out));
    let theirs = stdout(&out);
    let step_lines = |o: &str| o.lines().filter(|l| l.starts_with("Step ")).map(str::to_string).collect::<Vec<_>>();
    assert_eq!(step_lines(&ours), step_lines(&theirs));

    // `file:<64 hex>`, `dir:…`, `multi:…` anywhere (also glued to `--chown=x`) → `<hash>`.
    let mask = |s: &str| {
        let mut out = s.to_string();
        for prefix in ["file:", "dir:", "multi:"] {
            while let Some(i) = out.find(prefix) {
                let end = i + prefix.len() + 64;
                assert!(out.len() >= end && out[i + prefix.len()..end].bytes().all(|b| b.is_ascii_hexdigit()), "{s}");
                out.replace_range(i..end, "<hash>");
            }
        }
        out
    };
    let id = env.inspect("same")["Id"].as_str().unwrap().trim_start_matches("sha256:").to_string();
    let config: Value =
        serde_json::from_slice(&std::fs::read(env.path().join("images").join(id).join("config.json")).unwrap())
            .unwrap();
    let ours: Vec<String> =
        config["history"].as_array().unwrap().iter().map(|h| mask(h["created_by"].as_str().unwrap_or(""))).collect();
    let mut theirs: Vec<String> =
        docker(&["history", "--no-trunc", "--format", "{{.CreatedBy}}", "same"]).lines().map(mask).collect();
    theirs.reverse();
    assert_eq!(ours, theirs);
    // The same number of layers (steps that changed no file add none, in both).
    let their_layers = docker(&["inspect", "-f", "{{len .RootFS.Layers}}", "same"]);
    assert_eq!(env.inspect("same")["RootFS"]["Layers"].as_array().unwrap().len().to_string(), their_layers.trim());
    env.finish();
}
