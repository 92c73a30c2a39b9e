//! Images: import, list, inspect, history, tag, remove, save, load, build.

use crate::boundary::*;
use engine::types::{ImageBuildOptions, ImageImportOptions, ImageListOptions, ImageRemoveOptions};
use std::ffi::{c_char, c_void};
use std::path::Path;

/// `POST /images/create?fromSrc=`: import a root filesystem tar (plain, gzip, bzip2, xz or zstd)
/// from the file `path` as a new image, tagged `reference` (`"name[:tag]"`, NULL or `""` for
/// none). On success `*out_id` receives the image id (`"sha256:…"`; free it with
/// `docker_string_free`).
#[no_mangle]
pub unsafe extern "C" fn docker_image_import(
    eng: *const docker_engine,
    path: *const c_char,
    reference: *const c_char,
    out_id: *mut *mut c_char,
    err: *mut *mut docker_error,
) -> docker_code {
    call(err, || {
        let eng = engine(eng)?;
        let path = str_arg(path, "path")?;
        let reference = opt_nonempty(reference, "reference")?;
        let out = Out::required(out_id, "out_id")?;
        let opts = ImageImportOptions { reference: reference.map(str::to_string), ..Default::default() };
        let id = eng.image_import_file(Path::new(path), &opts, &mut engine::stream::Discard)?;
        out.write_string(id);
        Ok(())
    })
}

/// [`docker_image_import`] with every option of the Engine API: `options_json` is
/// `{"Reference": "name:tag", "Changes": ["CMD [\"sh\"]", …], "Message": "…", "Platform": "linux/amd64"}`
/// (NULL for none). Progress goes to `cb` as `DOCKER_STREAM_JSON` messages (`cb` may be NULL).
#[no_mangle]
pub unsafe extern "C" fn docker_image_import_with_options(
    eng: *const docker_engine,
    path: *const c_char,
    options_json: *const c_char,
    cb: docker_stream_cb,
    user_data: *mut c_void,
    out_id: *mut *mut c_char,
    err: *mut *mut docker_error,
) -> docker_code {
    call(err, || {
        let eng = engine(eng)?;
        let path = str_arg(path, "path")?;
        let opts: ImageImportOptions = json_arg(options_json, "options_json")?;
        let out = Out::required(out_id, "out_id")?;
        let mut stream = Stream::new(cb, user_data);
        let id = eng.image_import_file(Path::new(path), &opts, &mut stream)?;
        out.write_string(id);
        Ok(())
    })
}

/// `GET /images/json`: `options_json` is `{"All": bool, "Filters": {"reference": ["busy*"], …},
/// "Digests": bool}` (NULL for none). `*out_json` receives the array of image summaries
/// (`[{"Id", "RepoTags", "Created", "Size", …}]`).
#[no_mangle]
pub unsafe extern "C" fn docker_image_list(
    eng: *const docker_engine,
    options_json: *const c_char,
    out_json: *mut *mut c_char,
    err: *mut *mut docker_error,
) -> docker_code {
    call(err, || {
        let eng = engine(eng)?;
        let opts: ImageListOptions = json_arg(options_json, "options_json")?;
        let out = Out::required(out_json, "out_json")?;
        out.write_json(&eng.image_list(&opts)?)
    })
}

/// `GET /images/{name}/json`: `name` is a reference, an id or an id prefix. `*out_json` receives
/// the image document (`{"Id", "RepoTags", "Config", "RootFS", …}`).
#[no_mangle]
pub unsafe extern "C" fn docker_image_inspect(
    eng: *const docker_engine,
    name: *const c_char,
    out_json: *mut *mut c_char,
    err: *mut *mut docker_error,
) -> docker_code {
    call(err, || {
        let eng = engine(eng)?;
        let name = str_arg(name, "name")?;
        let out = Out::required(out_json, "out_json")?;
        out.write_json(&eng.image_inspect(name)?)
    })
}

/// `GET /images/{name}/history`: `*out_json` receives `[{"Id", "Created", "CreatedBy", …}]`.
#[no_mangle]
pub unsafe extern "C" fn docker_image_history(
    eng: *const docker_engine,
    name: *const c_char,
    out_json: *mut *mut c_char,
    err: *mut *mut docker_error,
) -> docker_code {
    call(err, || {
        let eng = engine(eng)?;
        let name = str_arg(name, "name")?;
        let out = Out::required(out_json, "out_json")?;
        out.write_json(&eng.image_history(name)?)
    })
}

/// `POST /images/{name}/tag`: give the image `source` the reference `target` (`"repo[:tag]"`).
#[no_mangle]
pub unsafe extern "C" fn docker_image_tag(
    eng: *const docker_engine,
    source: *const c_char,
    target: *const c_char,
    err: *mut *mut docker_error,
) -> docker_code {
    call(err, || {
        let eng = engine(eng)?;
        let source = str_arg(source, "source")?;
        let target = str_arg(target, "target")?;
        eng.image_tag(source, target)?;
        Ok(())
    })
}

/// `DELETE /images/{name}`: `options_json` is `{"Force": bool, "NoPrune": bool}` (NULL for none).
/// `*out_json` (`out_json` may be NULL) receives `[{"Untagged": …}, {"Deleted": …}]`. An image
/// used by a container fails with `DOCKER_ECONFLICT` unless forced.
#[no_mangle]
pub unsafe extern "C" fn docker_image_remove(
    eng: *const docker_engine,
    name: *const c_char,
    options_json: *const c_char,
    out_json: *mut *mut c_char,
    err: *mut *mut docker_error,
) -> docker_code {
    call(err, || {
        let eng = engine(eng)?;
        let name = str_arg(name, "name")?;
        let opts: ImageRemoveOptions = json_arg(options_json, "options_json")?;
        let out = Out::optional(out_json);
        out.write_json(&eng.image_remove(name, &opts)?)
    })
}

/// `GET /images/get`: write the `docker save` archive of the `count` images `names` (references or
/// ids) to the file `path`, atomically (a failed save leaves no file behind).
#[no_mangle]
pub unsafe extern "C" fn docker_image_save(
    eng: *const docker_engine,
    names: *const *const c_char,
    count: usize,
    path: *const c_char,
    err: *mut *mut docker_error,
) -> docker_code {
    call(err, || {
        let eng = engine(eng)?;
        if names.is_null() && count > 0 {
            return Err(Fail::new(crate::DOCKER_ENULL, "names is NULL"));
        }
        let mut list = Vec::with_capacity(count);
        for i in 0..count {
            // SAFETY: the caller passes an array of `count` string pointers.
            let p = unsafe { *names.add(i) };
            list.push(str_arg(p, &format!("names[{i}]"))?.to_string());
        }
        let path = str_arg(path, "path")?;
        eng.image_save_file(&list, Path::new(path), None)?;
        Ok(())
    })
}

/// `POST /images/load`: load a `docker save` or OCI layout archive (any compression) from the file
/// `path`. Progress goes to `cb` as `DOCKER_STREAM_JSON` messages (`cb` may be NULL). `*out_json`
/// (`out_json` may be NULL) receives `{"Tags": ["name:tag", …], "UntaggedIds": ["sha256:…", …]}`.
#[no_mangle]
pub unsafe extern "C" fn docker_image_load(
    eng: *const docker_engine,
    path: *const c_char,
    cb: docker_stream_cb,
    user_data: *mut c_void,
    out_json: *mut *mut c_char,
    err: *mut *mut docker_error,
) -> docker_code {
    call(err, || {
        let eng = engine(eng)?;
        let path = str_arg(path, "path")?;
        let out = Out::optional(out_json);
        let mut stream = Stream::new(cb, user_data);
        let result = eng.image_load_file(Path::new(path), &mut stream)?;
        out.write_json(&result)
    })
}

/// `POST /build`: build an image from the Dockerfile in the directory `context_dir` (the build
/// context). `options_json` is the `/build` query as a document — `{"Tags": ["name:tag", …],
/// "Dockerfile": "Dockerfile", "BuildArgs": {"K": "v"}, "Target": "stage", "NoCache": bool,
/// "Quiet": bool, "Labels": {…}, "Remove": bool, "ForceRemove": bool, "NetworkMode":
/// "none|host", …}`; the query's own names (`t`, `q`, `nocache`, `rm`, …) are accepted too (NULL
/// for the defaults). The build output (`Step 1/5 : FROM …`, the RUN output, `Successfully
/// built …`) goes to `cb` as `DOCKER_STREAM_JSON` messages (`{"stream": "…"}`; `cb` may be
/// NULL). On success `*out_id` receives the image id. A failing step is
/// DOCKER_EINVALIDARGUMENT with Docker's message (`The command '/bin/sh -c false' returned a
/// non-zero code: 1`) and the step and exit code in `docker_error_details`; nothing is tagged
/// and no container is left. A callback that returns non-zero stops the build
/// (`DOCKER_ECANCELED`), also in the middle of a `RUN`.
#[no_mangle]
pub unsafe extern "C" fn docker_image_build(
    eng: *const docker_engine,
    context_dir: *const c_char,
    options_json: *const c_char,
    cb: docker_stream_cb,
    user_data: *mut c_void,
    out_id: *mut *mut c_char,
    err: *mut *mut docker_error,
) -> docker_code {
    call(err, || {
        let eng = engine(eng)?;
        let dir = str_arg(context_dir, "context_dir")?;
        let opts: ImageBuildOptions = json_arg(options_json, "options_json")?;
        let out = Out::required(out_id, "out_id")?;
        let mut stream = Stream::new(cb, user_data);
        let context = engine::build::BuildContext::Dir { path: Path::new(dir), dockerfile: None };
        let id = eng.image_build(context, &opts, &mut stream)?;
        out.write_string(id);
        Ok(())
    })
}
