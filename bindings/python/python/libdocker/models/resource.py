"""The base of docker-py's objects: a model holds the engine's inspect document (``attrs``) and
the client it came from; a collection makes models."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, Optional

if TYPE_CHECKING:
    from ..client import Engine


class Model:
    id_attribute = "Id"

    def __init__(self, attrs: Optional[Dict[str, Any]] = None, client: Optional["Engine"] = None,
                 collection: Any = None) -> None:
        self.client = client
        self.collection = collection
        self.attrs: Dict[str, Any] = attrs if attrs is not None else {}

    def __repr__(self) -> str:
        return f"<{self.__class__.__name__}: {self.short_id}>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, self.__class__) and self.id == other.id

    def __hash__(self) -> int:
        return hash(f"{self.__class__.__name__}:{self.id}")

    @property
    def id(self) -> str:
        return self.attrs.get(self.id_attribute)  # type: ignore[return-value]

    @property
    def short_id(self) -> str:
        return self.id[:12]

    def reload(self) -> None:
        """Read the object's document again from the engine."""
        self.attrs = self.collection.get(self.id).attrs


class Collection:
    model: type = Model

    def __init__(self, client: "Engine") -> None:
        self.client = client

    @property
    def _native(self) -> Any:
        return self.client._native

    def prepare_model(self, attrs: Dict[str, Any]) -> Any:
        return self.model(attrs=attrs, client=self.client, collection=self)
