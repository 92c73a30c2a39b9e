"""``client.images`` and ``Image``, as docker-py's."""

from __future__ import annotations

import json
import os
from typing import Any, Dict, Iterator, List, Optional, Tuple, Union

from .. import _native
from ..errors import APIError, BuildError
from ..streams import CancellableStream, chunks
from .resource import Collection, Model


class Image(Model):
    """An image (docker-py's ``Image``); ``attrs`` is its inspect document."""

    @property
    def short_id(self) -> str:
        return self.id[:19] if self.id.startswith("sha256:") else self.id[:12]

    @property
    def tags(self) -> List[str]:
        return [t for t in (self.attrs.get("RepoTags") or []) if t != "<none>:<none>"]

    @property
    def labels(self) -> Dict[str, str]:
        return (self.attrs.get("Config") or {}).get("Labels") or {}

    def history(self) -> List[Dict[str, Any]]:
        return json.loads(self.client._native.image_history(self.id))  # type: ignore[union-attr]

    def tag(self, repository: str, tag: Optional[str] = None, **kwargs: Any) -> bool:
        if set(kwargs) - {"force"}:
            raise TypeError(f"tag() got unexpected keyword arguments: {', '.join(sorted(set(kwargs) - {'force'}))}")
        self.client._native.image_tag(self.id, f"{repository}:{tag}" if tag else repository)  # type: ignore[union-attr]
        return True

    def save(self, chunk_size: Optional[int] = None, named: Union[bool, str] = False) -> Iterator[bytes]:
        """The ``docker save`` archive, in chunks (stop early with ``close()``)."""
        name = self.id
        if isinstance(named, str):
            if named not in self.tags:
                raise ValueError(f"{named} is not a valid tag for this image")
            name = named
        elif named and self.tags:
            name = self.tags[0]
        return chunks(self.client._native.image_save([name]))  # type: ignore[union-attr]

    def remove(self, force: bool = False, noprune: bool = False) -> List[Dict[str, Any]]:
        return self.collection.remove(self.id, force=force, noprune=noprune)


_BUILD_KEYS = {"tag": "Tags", "quiet": "Quiet", "nocache": "NoCache", "rm": "Remove", "forcerm": "ForceRemove",
               "buildargs": "BuildArgs", "labels": "Labels", "target": "Target", "network_mode": "NetworkMode",
               "extra_hosts": "ExtraHosts", "pull": "Pull", "squash": "Squash", "cache_from": "CacheFrom",
               "platform": "Platform", "shmsize": "ShmSize", "isolation": "Isolation"}
_LIMIT_KEYS = {"memory": "Memory", "memswap": "MemorySwap", "cpushares": "CpuShares", "cpusetcpus": "CpusetCpus",
               "cpuperiod": "CpuPeriod", "cpuquota": "CpuQuota"}


class ImageCollection(Collection):
    model = Image

    def build(self, **kwargs: Any) -> Tuple[Image, Iterator[Dict[str, Any]]]:
        """docker-py's ``build``: ``(image, build log)``; ``BuildError`` (with the log) when a
        step fails."""
        path = kwargs.pop("path", None)
        fileobj = kwargs.pop("fileobj", None)
        if path is None and fileobj is None:
            raise TypeError("Either path or fileobj needs to be provided.")
        kwargs.pop("custom_context", None)  # a fileobj may be a tar or a lone Dockerfile: the engine tells
        kwargs.pop("encoding", None)  # compression is detected from the bytes
        kwargs.pop("timeout", None)
        kwargs.pop("use_config_proxy", None)
        opts: Dict[str, Any] = {"Remove": kwargs.pop("rm", True)}
        dockerfile_text = None
        dockerfile = kwargs.pop("dockerfile", None)
        if dockerfile:
            # docker-py: a Dockerfile outside the context is sent beside it.
            outside = path is not None and os.path.isabs(dockerfile) and \
                os.path.relpath(dockerfile, path).startswith("..")
            if outside:
                with open(dockerfile) as f:
                    dockerfile_text = f.read()
            else:
                opts["Dockerfile"] = os.path.relpath(dockerfile, path) if os.path.isabs(dockerfile) else dockerfile
        for key, field in _BUILD_KEYS.items():
            if key in kwargs:
                value = kwargs.pop(key)
                if value is None or (key in ("pull", "squash") and value is False):
                    continue
                opts[field] = [value] if key == "tag" else value
        for key, value in (kwargs.pop("container_limits", None) or {}).items():
            if key not in _LIMIT_KEYS:
                raise TypeError(f"build(container_limits=): unknown limit {key!r}")
            opts[_LIMIT_KEYS[key]] = value
        if kwargs:
            raise TypeError(f"build() got unexpected keyword arguments: {', '.join(sorted(kwargs))}")
        context = None
        if fileobj is not None:
            context = fileobj.read() if hasattr(fileobj, "read") else bytes(fileobj)
            if isinstance(context, str):
                context = context.encode()
        stream = self._native.image_build(json.dumps(opts), None if path is None else os.fspath(path), context,
                                          dockerfile_text)
        log: List[Dict[str, Any]] = []
        messages = CancellableStream(stream, {_native.ITEM_MESSAGE}, decode=True)
        try:
            for m in messages:
                log.append(m)
        except APIError as e:
            # Refused before any step ran (bad options, unsupported): the request's error, as
            # Docker's HTTP answer; once steps streamed, the build's (docker-py's in-stream error).
            if not log or e.kind == "Unsupported":
                raise
            raise BuildError(e.explanation, iter(log), details=e.details) from e
        image_id = json.loads(messages.result() or '""')
        return self.get(image_id), iter(log)

    def get(self, name: str) -> Image:
        return self.prepare_model(json.loads(self._native.image_inspect(name)))

    def list(self, name: Optional[str] = None, all: bool = False,
             filters: Optional[Dict[str, Any]] = None) -> List[Image]:
        f: Dict[str, List[str]] = {k: [str(x).lower() if isinstance(x, bool) else str(x)
                                       for x in (v if isinstance(v, list) else [v])]
                                   for k, v in (filters or {}).items()}
        if name:
            f["reference"] = [name]
        summaries = json.loads(self._native.image_list(json.dumps({"All": all, "Filters": f})))
        return [self.get(s["Id"]) for s in summaries]

    def load(self, data: Union[bytes, Any]) -> List[Image]:
        """Load a ``docker save`` (or OCI) archive given as bytes, a file object or a path."""
        if isinstance(data, (str, os.PathLike)):
            result = self._native.image_load_file(os.fspath(data))
        else:
            result = self._native.image_load_bytes(_read_all(data))
        r = json.loads(result)
        return [self.get(t) for t in r["Tags"]] + [self.get(i) for i in r["UntaggedIds"]]

    def import_image(self, src: Union[str, bytes, Any], repository: Optional[str] = None, tag: Optional[str] = None,
                     changes: Optional[List[str]] = None, message: Optional[str] = None) -> Image:
        """A root filesystem tar (a path, bytes or a file object) as a new image."""
        ref = None if repository is None else (f"{repository}:{tag}" if tag else repository)
        opts = json.dumps({"Reference": ref, "Changes": changes or [], "Message": message})
        if isinstance(src, (str, os.PathLike)):
            image_id = self._native.image_import_file(os.fspath(src), opts)
        else:
            image_id = self._native.image_import_bytes(_read_all(src), opts)
        return self.get(image_id)

    def remove(self, image: str, force: bool = False, noprune: bool = False) -> List[Dict[str, Any]]:
        return json.loads(self._native.image_remove(image, json.dumps({"Force": force, "NoPrune": noprune})))


def _read_all(data: Any) -> bytes:
    if isinstance(data, (bytes, bytearray, memoryview)):
        return bytes(data)
    if hasattr(data, "read"):
        return data.read()
    return b"".join(data)


__all__ = ["Image", "ImageCollection"]
