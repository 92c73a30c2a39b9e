"""The client: docker-py's ``DockerClient`` over an engine in this process (no daemon, no socket).
One client may be shared by threads: every engine call releases the GIL."""

from __future__ import annotations

import json
import os
from typing import Any, Dict, Mapping, Optional

from . import _native
from .models.containers import ContainerCollection
from .models.images import ImageCollection
from .models.volumes import VolumeCollection


class Engine:
    """``libdocker.Engine(root=None)``: the state root ``root``, else ``$LIBDOCKER_ROOT``, else
    ``/var/lib/libdocker`` — the same containers and images as ``dock`` and the C library see."""

    def __init__(self, root: Optional[str] = None) -> None:
        self._native = _native.Engine(json.dumps({"Root": os.fspath(root)}) if root is not None else "")

    @classmethod
    def from_env(cls, environment: Optional[Mapping[str, str]] = None, version: Optional[str] = None,
                 timeout: Optional[int] = None, **kwargs: Any) -> "Engine":
        """docker-py's ``from_env``: the state root from ``LIBDOCKER_ROOT`` in ``environment`` (default
        ``os.environ``). ``version`` and ``timeout`` concern a connection, which there is none of."""
        if kwargs:
            raise TypeError(f"from_env() got unexpected keyword arguments: {', '.join(sorted(kwargs))}")
        env = os.environ if environment is None else environment
        return cls(root=env.get("LIBDOCKER_ROOT"))

    @property
    def root(self) -> str:
        return self._native.root

    @property
    def containers(self) -> ContainerCollection:
        return ContainerCollection(self)

    @property
    def images(self) -> ImageCollection:
        return ImageCollection(self)

    @property
    def volumes(self) -> VolumeCollection:
        return VolumeCollection(self)

    def version(self, api_version: bool = True) -> Dict[str, Any]:
        return json.loads(self._native.version())

    def info(self) -> Dict[str, Any]:
        return json.loads(self._native.info())

    def ping(self) -> bool:
        return True

    def close(self) -> None:
        """Nothing to close: the engine holds no connection (kept for docker-py code)."""

    def __enter__(self) -> "Engine":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


DockerClient = Engine


def from_env(**kwargs: Any) -> Engine:
    return Engine.from_env(**kwargs)
