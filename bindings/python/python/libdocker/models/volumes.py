"""``client.volumes`` and ``Volume``, as docker-py's."""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional

from .resource import Collection, Model


class Volume(Model):
    id_attribute = "Name"

    @property
    def name(self) -> str:
        return self.attrs["Name"]

    def remove(self, force: bool = False) -> None:
        self.client._native.volume_remove(self.id, force)  # type: ignore[union-attr]


class VolumeCollection(Collection):
    model = Volume

    def create(self, name: Optional[str] = None, **kwargs: Any) -> Volume:
        unknown = set(kwargs) - {"driver", "driver_opts", "labels"}
        if unknown:
            raise TypeError(f"create() got unexpected keyword arguments: {', '.join(sorted(unknown))}")
        opts = {"Name": name or "", "Driver": kwargs.get("driver") or "",
                "DriverOpts": kwargs.get("driver_opts") or {}, "Labels": kwargs.get("labels") or {}}
        return self.prepare_model(json.loads(self._native.volume_create(json.dumps(opts))))

    def get(self, volume_id: str) -> Volume:
        return self.prepare_model(json.loads(self._native.volume_inspect(volume_id)))

    def list(self, **kwargs: Any) -> List[Volume]:
        if kwargs:
            raise TypeError(f"list() got unexpected keyword arguments: {', '.join(sorted(kwargs))}")
        return [self.prepare_model(v) for v in json.loads(self._native.volume_list())["Volumes"]]

    def prune(self, filters: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
        """Remove unused volumes: anonymous ones, or every unused one with ``filters={"all": True}``
        (Docker ≥ 23's rule)."""
        filters = dict(filters or {})
        all_ = filters.pop("all", False)
        if filters:
            raise TypeError(f"prune(filters=): unsupported filters {', '.join(sorted(filters))}")
        return json.loads(self._native.volume_prune(str(all_).lower() in ("true", "1")))


__all__ = ["Volume", "VolumeCollection"]
