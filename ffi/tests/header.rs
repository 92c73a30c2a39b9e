//! `include/docker.h` is generated from the sources with cbindgen and committed: this test
//! regenerates it and fails when the committed header is stale. `LIBDOCKER_BLESS=1` writes it.

use std::path::Path;

/// The version macros, from this crate's Cargo.toml version (the one `docker_version()` returns).
fn version_macros() -> String {
    format!(
        "\n/** The version of this header: major, minor, patch, and \"MAJOR.MINOR.PATCH\". */\n\
         #define DOCKER_VERSION_MAJOR {}\n\
         #define DOCKER_VERSION_MINOR {}\n\
         #define DOCKER_VERSION_PATCH {}\n\
         #define DOCKER_VERSION_STRING \"{}\"",
        env!("CARGO_PKG_VERSION_MAJOR"),
        env!("CARGO_PKG_VERSION_MINOR"),
        env!("CARGO_PKG_VERSION_PATCH"),
        env!("CARGO_PKG_VERSION"),
    )
}

#[test]
fn header_is_fresh() {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let committed_path = crate_dir.join("../include/docker.h");
    let mut config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml")).expect("read ffi/cbindgen.toml");
    config.after_includes = Some(version_macros());
    let bindings = cbindgen::Builder::new()
        .with_config(config)
        .with_crate(crate_dir)
        .generate()
        .expect("cbindgen generates the header");
    let mut fresh = Vec::new();
    bindings.write(&mut fresh);
    let fresh = String::from_utf8(fresh).expect("UTF-8 header");
    if std::env::var_os("LIBDOCKER_BLESS").is_some() {
        std::fs::write(&committed_path, &fresh).expect("write include/docker.h");
        return;
    }
    let committed = std::fs::read_to_string(&committed_path).unwrap_or_default();
    if committed != fresh {
        let first = committed.lines().zip(fresh.lines()).position(|(a, b)| a != b);
        panic!(
            "include/docker.h is stale (first difference at line {}): regenerate it with \
             `LIBDOCKER_BLESS=1 cargo test -p libdocker-ffi --test header` and commit it",
            first.map_or_else(|| "end".to_string(), |i| (i + 1).to_string())
        );
    }
}
