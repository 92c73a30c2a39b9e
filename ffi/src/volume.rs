//! Volumes: create, list, inspect, remove, prune.

use crate::boundary::*;
use engine::types::VolumeCreateOptions;
use std::ffi::c_char;

/// `POST /volumes/create`: `options_json` is `{"Name": "…", "Driver": "local", "DriverOpts": {…},
/// "Labels": {…}}` (NULL: an anonymous volume). `*out_json` receives the volume document
/// (`{"Name", "Driver", "Mountpoint", "CreatedAt", "Labels", …}`).
#[no_mangle]
pub unsafe extern "C" fn docker_volume_create(
    eng: *const docker_engine,
    options_json: *const c_char,
    out_json: *mut *mut c_char,
    err: *mut *mut docker_error,
) -> docker_code {
    call(err, || {
        let eng = engine(eng)?;
        let opts: VolumeCreateOptions = json_arg(options_json, "options_json")?;
        let out = Out::required(out_json, "out_json")?;
        out.write_json(&eng.volume_create(&opts)?)
    })
}

/// `GET /volumes`: `*out_json` receives `{"Volumes": […], "Warnings": […]}`.
#[no_mangle]
pub unsafe extern "C" fn docker_volume_list(
    eng: *const docker_engine,
    out_json: *mut *mut c_char,
    err: *mut *mut docker_error,
) -> docker_code {
    call(err, || {
        let eng = engine(eng)?;
        let out = Out::required(out_json, "out_json")?;
        out.write_json(&eng.volume_list()?)
    })
}

/// `GET /volumes/{name}`: `*out_json` receives the volume document.
#[no_mangle]
pub unsafe extern "C" fn docker_volume_inspect(
    eng: *const docker_engine,
    name: *const c_char,
    out_json: *mut *mut c_char,
    err: *mut *mut docker_error,
) -> docker_code {
    call(err, || {
        let eng = engine(eng)?;
        let name = str_arg(name, "name")?;
        let out = Out::required(out_json, "out_json")?;
        out.write_json(&eng.volume_inspect(name)?)
    })
}

/// `DELETE /volumes/{name}?force=`: a volume used by a container fails with `DOCKER_ECONFLICT`.
#[no_mangle]
pub unsafe extern "C" fn docker_volume_remove(
    eng: *const docker_engine,
    name: *const c_char,
    force: bool,
    err: *mut *mut docker_error,
) -> docker_code {
    call(err, || {
        let eng = engine(eng)?;
        eng.volume_remove(str_arg(name, "name")?, force)?;
        Ok(())
    })
}

/// `POST /volumes/prune`: remove unused anonymous volumes (named ones too with `all`).
/// `*out_json` (`out_json` may be NULL) receives `{"VolumesDeleted": […], "SpaceReclaimed": n}`.
#[no_mangle]
pub unsafe extern "C" fn docker_volume_prune(
    eng: *const docker_engine,
    all: bool,
    out_json: *mut *mut c_char,
    err: *mut *mut docker_error,
) -> docker_code {
    call(err, || {
        let eng = engine(eng)?;
        let out = Out::optional(out_json);
        out.write_json(&eng.volume_prune(all)?)
    })
}
