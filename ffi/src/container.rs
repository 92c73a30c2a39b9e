//! Containers and execs: one function per façade operation.

use crate::boundary::*;
use engine::types::{
    AttachOptions, CommitOptions, ContainerCreateRequest, ContainerListOptions, ExecConfig, ExecStartConfig,
    LogsOptions,
};
use std::ffi::{c_char, c_int, c_void};
use std::path::Path;

/// `POST /containers/create?name=`: `config_json` is the request body of the Engine API
/// (`{"Image": "busybox", "Cmd": ["echo", "hi"], "Env": […], "HostConfig": {…}, …}`); `name` may
/// be NULL or `""` for a generated name. On success `*out_id` receives the container's full id.
#[no_mangle]
pub unsafe extern "C" fn docker_container_create(
    eng: *const docker_engine,
    config_json: *const c_char,
    name: *const c_char,
    out_id: *mut *mut c_char,
    err: *mut *mut docker_error,
) -> docker_code {
    call(err, || {
        let eng = engine(eng)?;
        let req: ContainerCreateRequest = json_required(config_json, "config_json")?;
        let name = opt_nonempty(name, "name")?;
        let out = Out::required(out_id, "out_id")?;
        out.write_string(eng.container_create(name, &req)?.id);
        Ok(())
    })
}

/// `POST /containers/{id}/start`: start the container in the background. `id` is an id, an id
/// prefix or a name (so are all `id` arguments below).
#[no_mangle]
pub unsafe extern "C" fn docker_container_start(
    eng: *const docker_engine,
    id: *const c_char,
    err: *mut *mut docker_error,
) -> docker_code {
    call(err, || {
        let eng = engine(eng)?;
        eng.container_start(str_arg(id, "id")?)?;
        Ok(())
    })
}

/// The attach options of `options_json`, NULL meaning stdout and stderr.
fn attach_options(p: *const c_char) -> Res<AttachOptions> {
    if p.is_null() {
        return Ok(AttachOptions { stream: true, stdout: true, stderr: true, ..Default::default() });
    }
    json_arg(p, "options_json")
}

/// Start the container and stay attached until it exits (`docker run` without `-d`): its process
/// runs only once the stream is connected, so no output is missed. `options_json` is the attach
/// options `{"Stdin", "Stdout", "Stderr", "Logs": bool}` (NULL: stdout and stderr; create the
/// container with `"AttachStdout": true, "AttachStderr": true`). `stdin_fd` is a file descriptor
/// to copy to the container's stdin (with `"Stdin": true` and a container created with
/// `"OpenStdin": true`), or -1; the library reads a duplicate of it until end of file, which may be
/// after the call returned. Output goes to `cb` as `DOCKER_STREAM_STDOUT`/`_STDERR`.
/// `*out_exit_code` (`out_exit_code` may be NULL) receives the exit code, or -1 when the stream
/// ended without one.
#[no_mangle]
pub unsafe extern "C" fn docker_container_start_attached(
    eng: *const docker_engine,
    id: *const c_char,
    options_json: *const c_char,
    stdin_fd: c_int,
    cb: docker_stream_cb,
    user_data: *mut c_void,
    out_exit_code: *mut i64,
    err: *mut *mut docker_error,
) -> docker_code {
    call(err, || {
        let eng = engine(eng)?;
        let id = str_arg(id, "id")?;
        let opts = attach_options(options_json)?;
        let out = Out::optional(out_exit_code);
        let stdin = stdin_from_fd(stdin_fd)?;
        let mut stream = Stream::new(cb, user_data);
        let r = eng.container_start_attached(id, &opts, stdin, &mut stream);
        out.write(r?.unwrap_or(-1));
        Ok(())
    })
}

/// `POST /containers/{id}/attach`: attach to a running container until it exits or the stream
/// ends; arguments as for `docker_container_start_attached`. A stopped container fails with
/// `DOCKER_ECONFLICT` (the Engine API's attach would wait for its next start, which a C caller
/// could not interrupt while nothing is streamed: to see a whole run, use
/// `docker_container_start_attached`).
#[no_mangle]
pub unsafe extern "C" fn docker_container_attach(
    eng: *const docker_engine,
    id: *const c_char,
    options_json: *const c_char,
    stdin_fd: c_int,
    cb: docker_stream_cb,
    user_data: *mut c_void,
    out_exit_code: *mut i64,
    err: *mut *mut docker_error,
) -> docker_code {
    call(err, || {
        let eng = engine(eng)?;
        let id = str_arg(id, "id")?;
        let opts = attach_options(options_json)?;
        let out = Out::optional(out_exit_code);
        let stdin = stdin_from_fd(stdin_fd)?;
        if opts.stream && !eng.container_inspect(id)?.state.running {
            return Err(engine::Error::conflict("You cannot attach to a stopped container, start it first").into());
        }
        let mut stream = Stream::new(cb, user_data);
        let r = eng.container_attach(id, &opts, stdin, &mut stream);
        out.write(r?.unwrap_or(-1));
        Ok(())
    })
}

fn timeout(t: c_int) -> Option<i64> {
    (t >= 0).then_some(i64::from(t))
}

/// `POST /containers/{id}/stop?t=`: send the container's stop signal, then SIGKILL after
/// `timeout_s` seconds (a negative value: the container's own `StopTimeout`, else 10). A stopped
/// container fails with `DOCKER_ENOTMODIFIED`.
#[no_mangle]
pub unsafe extern "C" fn docker_container_stop(
    eng: *const docker_engine,
    id: *const c_char,
    timeout_s: c_int,
    err: *mut *mut docker_error,
) -> docker_code {
    call(err, || {
        let eng = engine(eng)?;
        eng.container_stop(str_arg(id, "id")?, timeout(timeout_s), None)?;
        Ok(())
    })
}

/// `POST /containers/{id}/kill?signal=`: `signal` is a name (`"SIGTERM"`, `"TERM"`) or a number
/// (`"15"`); NULL or `""` for SIGKILL. A stopped container fails with `DOCKER_ECONFLICT`.
#[no_mangle]
pub unsafe extern "C" fn docker_container_kill(
    eng: *const docker_engine,
    id: *const c_char,
    signal: *const c_char,
    err: *mut *mut docker_error,
) -> docker_code {
    call(err, || {
        let eng = engine(eng)?;
        let id = str_arg(id, "id")?;
        eng.container_kill(id, opt_nonempty(signal, "signal")?)?;
        Ok(())
    })
}

/// `POST /containers/{id}/restart?t=`: stop (as `docker_container_stop`) and start again.
#[no_mangle]
pub unsafe extern "C" fn docker_container_restart(
    eng: *const docker_engine,
    id: *const c_char,
    timeout_s: c_int,
    err: *mut *mut docker_error,
) -> docker_code {
    call(err, || {
        let eng = engine(eng)?;
        eng.container_restart(str_arg(id, "id")?, timeout(timeout_s))?;
        Ok(())
    })
}

/// `POST /containers/{id}/wait`: block until the container is not running, then `*out_status`
/// receives its exit code (at once for a container that is not running).
#[no_mangle]
pub unsafe extern "C" fn docker_container_wait(
    eng: *const docker_engine,
    id: *const c_char,
    out_status: *mut i64,
    err: *mut *mut docker_error,
) -> docker_code {
    call(err, || {
        let eng = engine(eng)?;
        let id = str_arg(id, "id")?;
        let out = Out::required(out_status, "out_status")?;
        out.write(eng.container_wait(id, "", None)?.status_code);
        Ok(())
    })
}

/// `DELETE /containers/{id}?force=`: remove a container; a running one fails with
/// `DOCKER_ECONFLICT` unless `force` (which kills it first). Anonymous volumes are kept (as
/// `docker rm` without `-v`).
#[no_mangle]
pub unsafe extern "C" fn docker_container_remove(
    eng: *const docker_engine,
    id: *const c_char,
    force: bool,
    err: *mut *mut docker_error,
) -> docker_code {
    call(err, || {
        let eng = engine(eng)?;
        eng.container_remove(str_arg(id, "id")?, force, false)?;
        Ok(())
    })
}

/// `GET /containers/{id}/json`: `*out_json` receives the container document
/// (`{"Id", "Name", "State": {"Status", "Running", "ExitCode", …}, "Config", "HostConfig", …}`).
#[no_mangle]
pub unsafe extern "C" fn docker_container_inspect(
    eng: *const docker_engine,
    id: *const c_char,
    out_json: *mut *mut c_char,
    err: *mut *mut docker_error,
) -> docker_code {
    call(err, || {
        let eng = engine(eng)?;
        let id = str_arg(id, "id")?;
        let out = Out::required(out_json, "out_json")?;
        out.write_json(&eng.container_inspect(id)?)
    })
}

/// `GET /containers/json?all=`: `*out_json` receives the array of container summaries
/// (`[{"Id", "Names", "Image", "Command", "State", "Status", …}]`), running ones only unless `all`.
#[no_mangle]
pub unsafe extern "C" fn docker_container_list(
    eng: *const docker_engine,
    all: bool,
    out_json: *mut *mut c_char,
    err: *mut *mut docker_error,
) -> docker_code {
    call(err, || {
        let eng = engine(eng)?;
        let out = Out::required(out_json, "out_json")?;
        out.write_json(&eng.container_list(&ContainerListOptions { all, ..Default::default() })?)
    })
}

/// `GET /containers/json` with every option: `options_json` is `{"All": bool, "Limit": n,
/// "Size": bool, "Filters": {"status": ["exited"], "name": […], "label": […], …}}` (NULL for none).
#[no_mangle]
pub unsafe extern "C" fn docker_container_list_with_options(
    eng: *const docker_engine,
    options_json: *const c_char,
    out_json: *mut *mut c_char,
    err: *mut *mut docker_error,
) -> docker_code {
    call(err, || {
        let eng = engine(eng)?;
        let opts: ContainerListOptions = json_arg(options_json, "options_json")?;
        let out = Out::required(out_json, "out_json")?;
        out.write_json(&eng.container_list(&opts)?)
    })
}

/// `GET /containers/{id}/logs`: `options_json` is `{"Stdout": bool, "Stderr": bool, "Follow":
/// bool, "Since": unix_s, "Until": unix_s, "Timestamps": bool, "Tail": "all" | "N"}` (NULL:
/// stdout and stderr, everything, no follow). Each chunk goes to `cb` as `DOCKER_STREAM_STDOUT`
/// or `DOCKER_STREAM_STDERR`; with `"Follow": true` the call returns when the container stops or
/// when `cb` returns non-zero (`DOCKER_ECANCELED`).
#[no_mangle]
pub unsafe extern "C" fn docker_container_logs(
    eng: *const docker_engine,
    id: *const c_char,
    options_json: *const c_char,
    cb: docker_stream_cb,
    user_data: *mut c_void,
    err: *mut *mut docker_error,
) -> docker_code {
    call(err, || {
        let eng = engine(eng)?;
        let id = str_arg(id, "id")?;
        let opts = if options_json.is_null() {
            LogsOptions { stdout: true, stderr: true, ..Default::default() }
        } else {
            json_arg(options_json, "options_json")?
        };
        let mut stream = Stream::new(cb, user_data);
        Ok(eng.container_logs(id, &opts, &mut stream)?)
    })
}

/// `POST /containers/{id}/resize?h=&w=`: resize the terminal of a container created with `"Tty": true`.
#[no_mangle]
pub unsafe extern "C" fn docker_container_resize(
    eng: *const docker_engine,
    id: *const c_char,
    height: u16,
    width: u16,
    err: *mut *mut docker_error,
) -> docker_code {
    call(err, || {
        let eng = engine(eng)?;
        eng.container_resize(str_arg(id, "id")?, height, width)?;
        Ok(())
    })
}

/// `GET /containers/{id}/top?ps_args=`: `ps_args` may be NULL (`"-ef"`). `*out_json` receives
/// `{"Titles": […], "Processes": [[…], …]}`.
#[no_mangle]
pub unsafe extern "C" fn docker_container_top(
    eng: *const docker_engine,
    id: *const c_char,
    ps_args: *const c_char,
    out_json: *mut *mut c_char,
    err: *mut *mut docker_error,
) -> docker_code {
    call(err, || {
        let eng = engine(eng)?;
        let id = str_arg(id, "id")?;
        let ps_args = opt_str(ps_args, "ps_args")?.unwrap_or("");
        let out = Out::required(out_json, "out_json")?;
        out.write_json(&eng.container_top(id, ps_args)?)
    })
}

/// `GET /containers/{id}/changes`: `*out_json` receives `[{"Path": "/tmp/x", "Kind": 0|1|2}]`
/// (0 modified, 1 added, 2 deleted).
#[no_mangle]
pub unsafe extern "C" fn docker_container_changes(
    eng: *const docker_engine,
    id: *const c_char,
    out_json: *mut *mut c_char,
    err: *mut *mut docker_error,
) -> docker_code {
    call(err, || {
        let eng = engine(eng)?;
        let id = str_arg(id, "id")?;
        let out = Out::required(out_json, "out_json")?;
        out.write_json(&eng.container_changes(id)?)
    })
}

fn open_file(path: &str) -> Res<std::fs::File> {
    Ok(std::fs::File::open(path).map_err(|e| engine::Error::io(format_args!("open {path}"), e))?)
}

/// `GET /containers/{id}/export`: write the container's filesystem as a tar archive to the file `path`.
#[no_mangle]
pub unsafe extern "C" fn docker_container_export(
    eng: *const docker_engine,
    id: *const c_char,
    path: *const c_char,
    err: *mut *mut docker_error,
) -> docker_code {
    call(err, || {
        let eng = engine(eng)?;
        let id = str_arg(id, "id")?;
        let path = str_arg(path, "path")?;
        Ok(eng.container_export_file(id, Path::new(path), None)?)
    })
}

/// `POST /commit?container=`: `options_json` is `{"Reference": "repo:tag", "Comment", "Author",
/// "Pause": bool, "Changes": ["CMD …"], "Config": {…}}` (NULL for none). On success `*out_id`
/// receives the new image's id.
#[no_mangle]
pub unsafe extern "C" fn docker_container_commit(
    eng: *const docker_engine,
    id: *const c_char,
    options_json: *const c_char,
    out_id: *mut *mut c_char,
    err: *mut *mut docker_error,
) -> docker_code {
    call(err, || {
        let eng = engine(eng)?;
        let id = str_arg(id, "id")?;
        let opts: CommitOptions = json_arg(options_json, "options_json")?;
        let out = Out::required(out_id, "out_id")?;
        out.write_string(eng.container_commit(id, &opts)?);
        Ok(())
    })
}

/// `GET /containers/{id}/archive?path=`: write a tar archive of `container_path` to the file
/// `tar_path`. `*out_stat_json` (`out_stat_json` may be NULL) receives the path's stat
/// `{"name", "size", "mode", "mtime", "linkTarget"}`, `mode` a Go `os.FileMode` as Docker sends it
/// (permissions in the low 9 bits; a directory has bit 31 set, a symlink bit 27).
#[no_mangle]
pub unsafe extern "C" fn docker_container_archive_get(
    eng: *const docker_engine,
    id: *const c_char,
    container_path: *const c_char,
    tar_path: *const c_char,
    out_stat_json: *mut *mut c_char,
    err: *mut *mut docker_error,
) -> docker_code {
    call(err, || {
        let eng = engine(eng)?;
        let id = str_arg(id, "id")?;
        let container_path = str_arg(container_path, "container_path")?;
        let tar_path = str_arg(tar_path, "tar_path")?;
        let out = Out::optional(out_stat_json);
        let mut stat = None;
        engine::safefs::write_output_file(Path::new(tar_path), 0o666, |f| {
            stat = Some(eng.container_archive_get(id, container_path, f, None)?);
            Ok(())
        })?;
        out.write_json(&stat)
    })
}

/// `PUT /containers/{id}/archive?path=`: extract the tar archive in the file `tar_path` into the
/// directory `container_path` of the container.
#[no_mangle]
pub unsafe extern "C" fn docker_container_archive_put(
    eng: *const docker_engine,
    id: *const c_char,
    container_path: *const c_char,
    tar_path: *const c_char,
    no_overwrite_dir_non_dir: bool,
    err: *mut *mut docker_error,
) -> docker_code {
    call(err, || {
        let eng = engine(eng)?;
        let id = str_arg(id, "id")?;
        let container_path = str_arg(container_path, "container_path")?;
        let mut f = open_file(str_arg(tar_path, "tar_path")?)?;
        eng.container_archive_put(id, container_path, &mut f, no_overwrite_dir_non_dir)?;
        Ok(())
    })
}

/// `docker cp CONTAINER:SRC DEST`: copy `src` of the container to the host path `dest`.
#[no_mangle]
pub unsafe extern "C" fn docker_container_copy_from(
    eng: *const docker_engine,
    id: *const c_char,
    src: *const c_char,
    dest: *const c_char,
    err: *mut *mut docker_error,
) -> docker_code {
    call(err, || {
        let eng = engine(eng)?;
        let id = str_arg(id, "id")?;
        let src = str_arg(src, "src")?;
        let dest = str_arg(dest, "dest")?;
        eng.container_copy_from(id, src, Path::new(dest))?;
        Ok(())
    })
}

/// `docker cp SRC CONTAINER:DEST`: copy the host path `src` to `dest` in the container.
#[no_mangle]
pub unsafe extern "C" fn docker_container_copy_to(
    eng: *const docker_engine,
    id: *const c_char,
    src: *const c_char,
    dest: *const c_char,
    err: *mut *mut docker_error,
) -> docker_code {
    call(err, || {
        let eng = engine(eng)?;
        let id = str_arg(id, "id")?;
        let src = str_arg(src, "src")?;
        let dest = str_arg(dest, "dest")?;
        eng.container_copy_to(id, Path::new(src), dest)?;
        Ok(())
    })
}

/// `POST /containers/{id}/pause`: freeze every process of the container.
#[no_mangle]
pub unsafe extern "C" fn docker_container_pause(
    eng: *const docker_engine,
    id: *const c_char,
    err: *mut *mut docker_error,
) -> docker_code {
    call(err, || {
        let eng = engine(eng)?;
        eng.container_pause(str_arg(id, "id")?)?;
        Ok(())
    })
}

/// `POST /containers/{id}/unpause`
#[no_mangle]
pub unsafe extern "C" fn docker_container_unpause(
    eng: *const docker_engine,
    id: *const c_char,
    err: *mut *mut docker_error,
) -> docker_code {
    call(err, || {
        let eng = engine(eng)?;
        eng.container_unpause(str_arg(id, "id")?)?;
        Ok(())
    })
}

/// `POST /containers/{id}/rename?name=`
#[no_mangle]
pub unsafe extern "C" fn docker_container_rename(
    eng: *const docker_engine,
    id: *const c_char,
    new_name: *const c_char,
    err: *mut *mut docker_error,
) -> docker_code {
    call(err, || {
        let eng = engine(eng)?;
        let id = str_arg(id, "id")?;
        eng.container_rename(id, str_arg(new_name, "new_name")?)?;
        Ok(())
    })
}

/// `GET /containers/{id}/stats?stream=false&one-shot=…`: `*out_json` receives one sample
/// (`{"read", "preread", "pids_stats", "memory_stats", "cpu_stats", "precpu_stats", …}`). With
/// `one_shot` false the sample is taken a second after a first one, which it carries as
/// `precpu_stats` (what a CPU percentage needs); with `one_shot` true it returns at once.
#[no_mangle]
pub unsafe extern "C" fn docker_container_stats(
    eng: *const docker_engine,
    id: *const c_char,
    one_shot: bool,
    out_json: *mut *mut c_char,
    err: *mut *mut docker_error,
) -> docker_code {
    call(err, || {
        let eng = engine(eng)?;
        let id = str_arg(id, "id")?;
        let out = Out::required(out_json, "out_json")?;
        out.write_json(&eng.container_stats(id, one_shot, None)?)
    })
}

/// `POST /containers/prune`: remove every stopped container. `*out_json` (`out_json` may be NULL)
/// receives `{"ContainersDeleted": […], "SpaceReclaimed": n}`.
#[no_mangle]
pub unsafe extern "C" fn docker_container_prune(
    eng: *const docker_engine,
    out_json: *mut *mut c_char,
    err: *mut *mut docker_error,
) -> docker_code {
    call(err, || {
        let eng = engine(eng)?;
        let out = Out::optional(out_json);
        out.write_json(&eng.container_prune()?)
    })
}

// ---- exec ------------------------------------------------------------------------------------

/// `docker exec`: run a command in a running container and wait for it. `config_json` is the
/// exec body `{"Cmd": ["ls", "/"], "AttachStdout": true, "AttachStderr": true, "Env": […],
/// "User": "…", "WorkingDir": "…", "Tty": bool, "Privileged": bool}`; the attached output goes to
/// `cb`. `*out_exit_code` (`out_exit_code` may be NULL) receives the command's exit code.
/// A stopped container fails with `DOCKER_ECONFLICT`.
#[no_mangle]
pub unsafe extern "C" fn docker_container_exec(
    eng: *const docker_engine,
    id: *const c_char,
    config_json: *const c_char,
    cb: docker_stream_cb,
    user_data: *mut c_void,
    out_exit_code: *mut i64,
    err: *mut *mut docker_error,
) -> docker_code {
    call(err, || {
        let eng = engine(eng)?;
        let id = str_arg(id, "id")?;
        let cfg: ExecConfig = json_required(config_json, "config_json")?;
        let out = Out::optional(out_exit_code);
        let exec_id = eng.exec_create(id, &cfg)?;
        let mut stream = Stream::new(cb, user_data);
        let r = eng.exec_start(&exec_id, &ExecStartConfig::default(), None, &mut stream);
        out.write(r?.unwrap_or(-1));
        Ok(())
    })
}

/// `POST /containers/{id}/exec`: prepare an exec (body as for `docker_container_exec`); `*out_exec_id`
/// receives its id, for `docker_exec_start` and `docker_exec_inspect`.
#[no_mangle]
pub unsafe extern "C" fn docker_exec_create(
    eng: *const docker_engine,
    id: *const c_char,
    config_json: *const c_char,
    out_exec_id: *mut *mut c_char,
    err: *mut *mut docker_error,
) -> docker_code {
    call(err, || {
        let eng = engine(eng)?;
        let id = str_arg(id, "id")?;
        let cfg: ExecConfig = json_required(config_json, "config_json")?;
        let out = Out::required(out_exec_id, "out_exec_id")?;
        out.write_string(eng.exec_create(id, &cfg)?);
        Ok(())
    })
}

/// `POST /exec/{id}/start`: `options_json` is `{"Detach": bool, "Tty": bool}` (NULL for none);
/// `stdin_fd` as for `docker_container_start_attached`. `*out_exit_code` (`out_exit_code` may be
/// NULL) receives the exit code, or -1 when detached.
#[no_mangle]
pub unsafe extern "C" fn docker_exec_start(
    eng: *const docker_engine,
    exec_id: *const c_char,
    options_json: *const c_char,
    stdin_fd: c_int,
    cb: docker_stream_cb,
    user_data: *mut c_void,
    out_exit_code: *mut i64,
    err: *mut *mut docker_error,
) -> docker_code {
    call(err, || {
        let eng = engine(eng)?;
        let exec_id = str_arg(exec_id, "exec_id")?;
        let opts: ExecStartConfig = json_arg(options_json, "options_json")?;
        let out = Out::optional(out_exit_code);
        let stdin = stdin_from_fd(stdin_fd)?;
        let mut stream = Stream::new(cb, user_data);
        let r = eng.exec_start(exec_id, &opts, stdin, &mut stream);
        out.write(r?.unwrap_or(-1));
        Ok(())
    })
}

/// `GET /exec/{id}/json`: `*out_json` receives `{"ID", "Running", "ExitCode", "ContainerID", …}`.
#[no_mangle]
pub unsafe extern "C" fn docker_exec_inspect(
    eng: *const docker_engine,
    exec_id: *const c_char,
    out_json: *mut *mut c_char,
    err: *mut *mut docker_error,
) -> docker_code {
    call(err, || {
        let eng = engine(eng)?;
        let exec_id = str_arg(exec_id, "exec_id")?;
        let out = Out::required(out_json, "out_json")?;
        out.write_json(&eng.exec_inspect(exec_id)?)
    })
}
