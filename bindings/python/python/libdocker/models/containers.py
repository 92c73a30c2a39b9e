"""``client.containers`` and ``Container``, as docker-py's: the keyword arguments of ``run`` and
``create`` become the Engine API's create document (``Config`` + ``HostConfig``), which the engine
decodes and checks; an argument docker-py does not know is a ``TypeError``, one the engine does not
implement is the engine's ``Unsupported`` (501) error, never ignored."""

from __future__ import annotations

import json
import shlex
from collections import namedtuple
from typing import Any, Dict, Iterator, List, Optional, Tuple, Union

from .. import _native
from ..errors import ContainerError, DockerException, ImageNotFound, NotFound
from ..streams import CancellableStream, chunks
from .images import Image
from .resource import Collection, Model

ExecResult = namedtuple("ExecResult", "exit_code,output")


class Container(Model):
    """A container (docker-py's ``Container``); ``attrs`` is its inspect document."""

    @property
    def name(self) -> Optional[str]:
        name = self.attrs.get("Name")
        return name.lstrip("/") if name is not None else None

    @property
    def image(self) -> Optional[Image]:
        image_id = self.attrs.get("ImageID", self.attrs.get("Image"))
        if image_id is None:
            return None
        return self.client.images.get(image_id)  # type: ignore[union-attr]

    @property
    def labels(self) -> Dict[str, str]:
        return (self.attrs.get("Config") or {}).get("Labels") or {}

    @property
    def status(self) -> str:
        state = self.attrs.get("State")
        return state["Status"] if isinstance(state, dict) else state  # type: ignore[return-value]

    @property
    def health(self) -> str:
        state = self.attrs.get("State") or {}
        return (state.get("Health") or {}).get("Status", "unknown")

    @property
    def ports(self) -> Dict[str, Any]:
        return (self.attrs.get("NetworkSettings") or {}).get("Ports") or {}

    @property
    def _n(self) -> Any:
        return self.client._native  # type: ignore[union-attr]

    def start(self, **kwargs: Any) -> None:
        if kwargs:
            raise TypeError(f"start() got unexpected keyword arguments: {', '.join(kwargs)}")
        self._n.container_start(self.id)

    def stop(self, timeout: Optional[int] = None) -> None:
        self._n.container_stop(self.id, timeout)

    def kill(self, signal: Union[str, int, None] = None) -> None:
        self._n.container_kill(self.id, None if signal is None else str(signal))

    def restart(self, timeout: Optional[int] = 10) -> None:
        self._n.container_restart(self.id, timeout)

    def pause(self) -> None:
        self._n.container_pause(self.id)

    def unpause(self) -> None:
        self._n.container_unpause(self.id)

    def rename(self, name: str) -> None:
        self._n.container_rename(self.id, name)

    def resize(self, height: int, width: int) -> None:
        self._n.container_resize(self.id, height, width)

    def remove(self, v: bool = False, link: bool = False, force: bool = False) -> None:
        if link:
            raise TypeError("remove(link=True): this engine has no container links")
        self._n.container_remove(self.id, force, v)

    def wait(self, timeout: Optional[float] = None, condition: Optional[str] = None) -> Dict[str, Any]:
        """``{"StatusCode": n, "Error": None}``; raises ``TimeoutError`` after ``timeout`` seconds."""
        return json.loads(self._n.container_wait(self.id, condition or "", timeout))

    def logs(self, stdout: bool = True, stderr: bool = True, stream: bool = False, timestamps: bool = False,
             tail: Union[str, int] = "all", since: Any = None, follow: Optional[bool] = None,
             until: Any = None) -> Union[bytes, CancellableStream]:
        """The container's output: bytes, or with ``stream=True`` an iterator of chunks that
        follows the log while the container runs (``follow`` defaults to ``stream``)."""
        if follow is None:
            follow = stream
        opts = {"Stdout": stdout, "Stderr": stderr, "Timestamps": timestamps, "Follow": follow,
                "Tail": "all" if tail in ("all", None) else str(int(tail)),
                "Since": _timestamp(since), "Until": _timestamp(until)}
        if stream:
            return CancellableStream(self._n.container_logs_stream(self.id, json.dumps(opts)),
                                     {_native.ITEM_STDOUT, _native.ITEM_STDERR})
        if follow:
            # docker-py without stream but with follow: everything up to the container's end.
            return b"".join(CancellableStream(self._n.container_logs_stream(self.id, json.dumps(opts)),
                                              {_native.ITEM_STDOUT, _native.ITEM_STDERR}))
        return self._n.container_logs(self.id, json.dumps(opts))

    def exec_run(self, cmd: Union[str, List[str]], stdout: bool = True, stderr: bool = True, stdin: bool = False,
                 tty: bool = False, privileged: bool = False, user: str = "", detach: bool = False,
                 stream: bool = False, socket: bool = False, environment: Any = None,
                 workdir: Optional[str] = None, demux: bool = False) -> ExecResult:
        """``(exit_code, output)``; with ``stream=True`` the output is an iterator and the code None;
        with ``demux=True`` the output is ``(stdout, stderr)``."""
        if stdin or socket:
            raise TypeError("exec_run(stdin=/socket=): an in-process engine has no socket to hand out")
        config = {"Cmd": _split(cmd), "AttachStdout": stdout, "AttachStderr": stderr, "Tty": tty,
                  "Privileged": privileged, "User": user, "WorkingDir": workdir or "",
                  "Env": _env(environment)}
        exec_id = self._n.exec_create(self.id, json.dumps(config))
        opts = json.dumps({"Detach": detach, "Tty": tty})
        if detach:
            self._n.exec_start(exec_id, opts, stdout, stderr)
            return ExecResult(None, b"")
        if stream:
            kinds = ({_native.ITEM_STDOUT} if stdout else set()) | ({_native.ITEM_STDERR} if stderr else set())
            return ExecResult(None, CancellableStream(self._n.exec_start_stream(exec_id, opts), kinds))
        if demux:
            code, out, err = self._n.exec_start(exec_id, opts, stdout, False)
            return ExecResult(code, (out or None if stdout else None, err or None if stderr else None))
        code, out, _ = self._n.exec_start(exec_id, opts, stdout, stderr)
        return ExecResult(code, out)

    def diff(self) -> List[Dict[str, Any]]:
        return json.loads(self._n.container_changes(self.id))

    def export(self, chunk_size: Optional[int] = None) -> Iterator[bytes]:
        """The container's filesystem as a tar, in chunks (stop early with ``close()``)."""
        return chunks(self._n.container_export(self.id))

    def get_archive(self, path: str, chunk_size: Optional[int] = None,
                    encode_stream: bool = False) -> Tuple[Iterator[bytes], Dict[str, Any]]:
        data, stat = self._n.container_archive_get(self.id, path)
        return iter([data]), json.loads(stat)

    def put_archive(self, path: str, data: Union[bytes, Any]) -> bool:
        if not isinstance(data, (bytes, bytearray)):
            data = data.read() if hasattr(data, "read") else b"".join(data)
        self._n.container_archive_put(self.id, path, bytes(data))
        return True

    def commit(self, repository: Optional[str] = None, tag: Optional[str] = None, **kwargs: Any) -> Image:
        allowed = {"message", "author", "pause", "changes", "conf"}
        unknown = set(kwargs) - allowed
        if unknown:
            raise TypeError(f"commit() got unexpected keyword arguments: {', '.join(sorted(unknown))}")
        ref = None if repository is None else (f"{repository}:{tag}" if tag else repository)
        changes = kwargs.get("changes") or []
        opts = {"Reference": ref, "Comment": kwargs.get("message") or "", "Author": kwargs.get("author") or "",
                "Pause": kwargs.get("pause", True),
                "Changes": [changes] if isinstance(changes, str) else list(changes), "Config": kwargs.get("conf")}
        image_id = self._n.container_commit(self.id, json.dumps(opts))
        return self.client.images.get(image_id)  # type: ignore[union-attr]

    def top(self, ps_args: Optional[str] = None) -> Dict[str, Any]:
        return json.loads(self._n.container_top(self.id, ps_args or ""))

    def stats(self, decode: Optional[bool] = None, stream: bool = True, one_shot: Optional[bool] = None) -> Any:
        if not stream:
            return json.loads(self._n.container_stats(self.id, bool(one_shot)))
        return CancellableStream(self._n.container_stats_stream(self.id), {_native.ITEM_STATS}, decode=bool(decode))


# docker-py's keyword arguments of `run`/`create`, each to its place in the create document.
_CONFIG_KEYS = {
    "hostname": "Hostname", "domainname": "Domainname", "user": "User", "working_dir": "WorkingDir",
    "stdin_open": "OpenStdin", "tty": "Tty", "labels": "Labels", "stop_signal": "StopSignal",
    "mac_address": "MacAddress", "network_disabled": "NetworkDisabled", "healthcheck": "Healthcheck",
    "stop_timeout": "StopTimeout",
}
_HOST_KEYS = {
    "auto_remove": "AutoRemove", "cap_add": "CapAdd", "cap_drop": "CapDrop", "privileged": "Privileged",
    "read_only": "ReadonlyRootfs", "network_mode": "NetworkMode", "pid_mode": "PidMode", "ipc_mode": "IpcMode",
    "uts_mode": "UTSMode", "userns_mode": "UsernsMode", "cgroupns": "CgroupnsMode", "dns": "Dns",
    "dns_search": "DnsSearch", "dns_opt": "DnsOptions", "group_add": "GroupAdd", "init": "Init",
    "oom_kill_disable": "OomKillDisable", "oom_score_adj": "OomScoreAdj", "pids_limit": "PidsLimit",
    "security_opt": "SecurityOpt", "sysctls": "Sysctls", "volumes_from": "VolumesFrom",
    "cpu_shares": "CpuShares", "cpu_period": "CpuPeriod", "cpu_quota": "CpuQuota",
    "cpu_rt_period": "CpuRealtimePeriod", "cpu_rt_runtime": "CpuRealtimeRuntime", "cpuset_cpus": "CpusetCpus",
    "cpuset_mems": "CpusetMems", "nano_cpus": "NanoCpus", "mem_swappiness": "MemorySwappiness",
    "restart_policy": "RestartPolicy", "log_config": "LogConfig", "mounts": "Mounts",
    "publish_all_ports": "PublishAllPorts", "runtime": "Runtime", "cgroup_parent": "CgroupParent",
    "storage_opt": "StorageOpt", "device_cgroup_rules": "DeviceCgroupRules", "links": "Links",
    "blkio_weight": "BlkioWeight", "ulimits": "Ulimits", "isolation": "Isolation",
    "kernel_memory": "KernelMemory", "device_requests": "DeviceRequests", "volume_driver": "VolumeDriver",
}
_BYTES_KEYS = {"mem_limit": "Memory", "memswap_limit": "MemorySwap", "mem_reservation": "MemoryReservation",
               "shm_size": "ShmSize"}


def _split(cmd: Union[str, List[str], None]) -> Optional[List[str]]:
    if cmd is None:
        return None
    return shlex.split(cmd) if isinstance(cmd, str) else list(cmd)


def _env(environment: Any) -> Optional[List[str]]:
    if environment is None:
        return None
    if isinstance(environment, dict):
        return [f"{k}={v}" if v is not None else k for k, v in environment.items()]
    return list(environment)


def _timestamp(t: Any) -> float:
    if t is None:
        return 0.0
    if hasattr(t, "timestamp"):
        return float(t.timestamp())
    return float(t)


def parse_bytes(s: Union[int, float, str]) -> int:
    """docker-py's ``utils.parse_bytes``: ``512``, ``'512k'``, ``'1g'`` (binary units)."""
    if isinstance(s, (int, float)):
        return int(s)
    if not s:
        return 0
    units = {"b": 1, "k": 1024, "m": 1024 ** 2, "g": 1024 ** 3}
    s = s.strip()
    suffix = s[-1].lower()
    if suffix in units:
        number, mult = s[:-1], units[suffix]
    else:
        number, mult = s, 1
    try:
        return int(float(number) * mult)
    except ValueError:
        raise DockerException(f"Failed converting the string value for memory ({s}) to an integer") from None


def _ports(ports: Dict[Any, Any]) -> Tuple[Dict[str, Any], Dict[str, Any]]:
    exposed: Dict[str, Any] = {}
    bindings: Dict[str, Any] = {}
    for port, host in ports.items():
        key = str(port) if "/" in str(port) else f"{port}/tcp"
        exposed[key] = {}
        hosts = host if isinstance(host, list) else [host]
        out = []
        for h in hosts:
            if h is None:
                out.append({"HostIp": "", "HostPort": ""})
            elif isinstance(h, tuple):
                out.append({"HostIp": h[0], "HostPort": str(h[1]) if len(h) > 1 and h[1] is not None else ""})
            elif isinstance(h, dict):
                out.append(h)
            else:
                out.append({"HostIp": "", "HostPort": str(h)})
        bindings[key] = out
    return exposed, bindings


def _binds(volumes: Any) -> Tuple[List[str], Dict[str, Any]]:
    binds: List[str] = []
    if isinstance(volumes, dict):
        for host, spec in volumes.items():
            if isinstance(spec, dict):
                binds.append(f"{host}:{spec['bind']}:{spec.get('mode', 'rw')}")
            else:
                binds.append(f"{host}:{spec}")
    else:
        binds = list(volumes)
    return binds, {b.split(":")[1] if ":" in b else b: {} for b in binds}


def create_document(image: str, command: Any, kwargs: Dict[str, Any]) -> Tuple[Optional[str], Dict[str, Any]]:
    """docker-py's ``_create_container_args``: the keyword arguments as ``(name, create body)``."""
    kwargs = dict(kwargs)
    name = kwargs.pop("name", None)
    config: Dict[str, Any] = {"Image": image, "Cmd": _split(command)}
    host: Dict[str, Any] = {}
    if "entrypoint" in kwargs:
        config["Entrypoint"] = _split(kwargs.pop("entrypoint"))
    if "environment" in kwargs:
        config["Env"] = _env(kwargs.pop("environment"))
    detach = kwargs.pop("detach", False)
    config["AttachStdout"] = config["AttachStderr"] = not detach
    for key, field in _CONFIG_KEYS.items():
        if key in kwargs:
            config[field] = kwargs.pop(key)
    for key, field in _HOST_KEYS.items():
        if key in kwargs:
            host[field] = kwargs.pop(key)
    for key, field in _BYTES_KEYS.items():
        if key in kwargs and kwargs[key] is not None:
            host[field] = parse_bytes(kwargs.pop(key))
    if "extra_hosts" in kwargs:
        eh = kwargs.pop("extra_hosts")
        host["ExtraHosts"] = [f"{k}:{v}" for k, v in eh.items()] if isinstance(eh, dict) else list(eh)
    if "tmpfs" in kwargs:
        t = kwargs.pop("tmpfs")
        host["Tmpfs"] = t if isinstance(t, dict) else {(x.split(":", 1) + [""])[0]: (x.split(":", 1) + [""])[1] for x in t}
    if "devices" in kwargs:
        devs = []
        for d in kwargs.pop("devices"):
            parts = d.split(":")
            devs.append({"PathOnHost": parts[0], "PathInContainer": parts[1] if len(parts) > 1 else parts[0],
                         "CgroupPermissions": parts[2] if len(parts) > 2 else "rwm"})
        host["Devices"] = devs
    if "volumes" in kwargs:
        host["Binds"], config["Volumes"] = _binds(kwargs.pop("volumes"))
    if "ports" in kwargs:
        config["ExposedPorts"], host["PortBindings"] = _ports(kwargs.pop("ports"))
    if "network" in kwargs:
        net = kwargs.pop("network")
        if net is not None:
            host["NetworkMode"] = net
    for ignored_here in ("platform", "version", "use_config_proxy"):
        kwargs.pop(ignored_here, None)
    if kwargs:
        raise TypeError(f"create() got unexpected keyword arguments: {', '.join(sorted(kwargs))}")
    config["HostConfig"] = host
    return name, config


class ContainerCollection(Collection):
    model = Container

    def run(self, image: Union[str, Image], command: Union[str, List[str], None] = None, stdout: bool = True,
            stderr: bool = False, remove: bool = False, **kwargs: Any) -> Union[Container, bytes, Iterator[bytes]]:
        """Run a container (docker-py's ``run``): its output as bytes, or the ``Container`` with
        ``detach=True``; ``ContainerError`` (with its stderr) when it exits non-zero."""
        if isinstance(image, Image):
            image = image.id
        stream = kwargs.pop("stream", False)
        detach = kwargs.get("detach", False)
        if kwargs.get("network") and kwargs.get("network_mode"):
            raise RuntimeError('The options "network" and "network_mode" can not be used together.')
        if detach and remove:
            kwargs["auto_remove"] = True
        # Attached and removed: the monitor removes the container when it exits (`dock run --rm`),
        # after this call has read every byte; one engine call less than remove() afterwards.
        if remove and not detach:
            kwargs["auto_remove"] = True
        container = self.create(image, command, **kwargs)
        if detach:
            try:
                container.start()
            except Exception:
                if remove:
                    _remove_quietly(container)
                raise
            return container
        try:
            code, out, err = self._native.container_start_attached(container.id, stdout, stderr)
        except Exception:
            if remove:
                _remove_quietly(container)
            raise
        if code is None:  # the stream ended without a status: ask
            code = container.wait()["StatusCode"]
        if code != 0:
            raise ContainerError(container, code, command, image, err)
        return iter([out]) if stream else out

    def create(self, image: Union[str, Image], command: Union[str, List[str], None] = None,
               **kwargs: Any) -> Container:
        if isinstance(image, Image):
            image = image.id
        name, doc = create_document(image, command, kwargs)
        created = json.loads(self._native.container_create(name, json.dumps(doc)))
        return self.get(created["Id"])

    def get(self, container_id: str) -> Container:
        return self.prepare_model(json.loads(self._native.container_inspect(container_id)))

    def list(self, all: bool = False, before: Optional[str] = None, filters: Optional[Dict[str, Any]] = None,
             limit: int = -1, since: Optional[str] = None, sparse: bool = False,
             ignore_removed: bool = False) -> List[Container]:
        f: Dict[str, List[str]] = {k: [str(x) for x in (v if isinstance(v, list) else [v])]
                                   for k, v in (filters or {}).items()}
        if before:
            f["before"] = [before]
        if since:
            f["since"] = [since]
        opts = {"All": all, "Limit": limit if limit is not None and limit > 0 else None, "Filters": f}
        summaries = json.loads(self._native.container_list(json.dumps(opts)))
        if sparse:
            return [self.prepare_model(s) for s in summaries]
        out = []
        for s in summaries:
            try:
                out.append(self.get(s["Id"]))
            except NotFound:
                if not ignore_removed:
                    raise
        return out

    def prune(self, filters: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
        if filters:
            raise TypeError("prune(filters=): this engine prunes every stopped container")
        return json.loads(self._native.container_prune())


def _remove_quietly(container: Container) -> None:
    try:
        container.remove(force=True)
    except NotFound:
        pass


__all__ = ["Container", "ContainerCollection", "ExecResult", "ImageNotFound", "parse_bytes"]
