"""Python iterators over the extension's streams (``logs(stream=True)``, build output, exports):
each reads a bounded channel fed by the engine call on a thread of its own, with the GIL released
while it waits. ``close()`` — or dropping the iterator — cancels the call (the engine's Cancel
token), which then stops promptly, leaves nothing half-made and joins its thread."""

from __future__ import annotations

import json
from typing import Any, Iterator, Optional

from . import _native


class CancellableStream:
    """docker-py's ``CancellableStream``: an iterator with ``close()``, also a context manager."""

    def __init__(self, stream: Any, kinds: Optional[set] = None, decode: bool = False) -> None:
        self._stream = stream
        self._kinds = kinds
        self._decode = decode

    def __iter__(self) -> "CancellableStream":
        return self

    def __next__(self) -> Any:
        while True:
            item = next(self._stream)
            kind, data = item
            if self._kinds is not None and kind not in self._kinds:
                continue
            if kind in (_native.ITEM_MESSAGE, _native.ITEM_STATS) and self._decode:
                return json.loads(data)
            return data

    next = __next__

    def result(self) -> Optional[str]:
        """The call's JSON result once the stream is exhausted."""
        return self._stream.result()

    def close(self) -> None:
        """Stop the call now (it raises nothing for being stopped)."""
        self._stream.close()

    def __enter__(self) -> "CancellableStream":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def chunks(stream: Any) -> Iterator[bytes]:
    """A byte stream (export, save) as docker-py's generator of chunks."""
    return CancellableStream(stream, {_native.ITEM_BYTES})
