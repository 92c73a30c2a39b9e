//! The library and the engine handle: version, open, close, `GET /version`, `GET /info`.

use crate::boundary::*;
use engine::Engine;
use std::ffi::c_char;

/// The library's version, `"MAJOR.MINOR.PATCH"`: equal to `DOCKER_VERSION_STRING` when the header
/// and the library match. A static string: do not free it.
#[no_mangle]
pub extern "C" fn docker_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

/// Open a state root. `options_json` is the engine's open options, `{"Root": "/abs/path"}`; NULL,
/// `""` or `"{}"` use `$LIBDOCKER_ROOT`, else `/var/lib/libdocker`. Every front end (the `dock`
/// CLI, Python, Node, the HTTP server) opened on the same root sees the same images and containers.
/// On success `*out` receives a handle to close with `docker_engine_close`.
#[no_mangle]
pub unsafe extern "C" fn docker_engine_open(
    options_json: *const c_char,
    out: *mut *mut docker_engine,
    err: *mut *mut docker_error,
) -> docker_code {
    call(err, || {
        let out = Out::required(out, "out")?;
        let opts: engine::types::OpenOptions = json_arg(options_json, "options_json")?;
        let engine = Engine::open(&opts)?;
        out.write(Box::into_raw(Box::new(docker_engine { engine })));
        Ok(())
    })
}

/// Close a handle from `docker_engine_open`. NULL is allowed. No call may be using the handle
/// (from any thread) when it is closed, nor after. Containers keep running: they do not belong to
/// the handle (or the process) that started them.
#[no_mangle]
pub unsafe extern "C" fn docker_engine_close(eng: *mut docker_engine) {
    if !eng.is_null() {
        let _ = std::panic::catch_unwind(|| {
            // SAFETY: `eng` came from Box::into_raw in docker_engine_open and is closed once.
            drop(unsafe { Box::from_raw(eng) })
        });
    }
}

/// `GET /version`: the engine's version document (`{"Version", "ApiVersion", "Os", …}`).
#[no_mangle]
pub unsafe extern "C" fn docker_system_version(
    eng: *const docker_engine,
    out_json: *mut *mut c_char,
    err: *mut *mut docker_error,
) -> docker_code {
    call(err, || {
        let eng = engine(eng)?;
        let out = Out::required(out_json, "out_json")?;
        out.write_json(&eng.version())
    })
}

/// `GET /info`: the system document (`{"Containers", "Images", "DockerRootDir", …}`).
#[no_mangle]
pub unsafe extern "C" fn docker_system_info(
    eng: *const docker_engine,
    out_json: *mut *mut c_char,
    err: *mut *mut docker_error,
) -> docker_code {
    call(err, || {
        let eng = engine(eng)?;
        let out = Out::required(out_json, "out_json")?;
        out.write_json(&eng.info()?)
    })
}
