"""Exceptions with docker-py's names (``docker.errors``), so ``except docker.errors.NotFound``
ports by changing the import. Each engine failure arrives with its kind (``NotFound``,
``Conflict``, ``InvalidArgument``…, the engine's one taxonomy), the HTTP status the Engine API gives
that kind (``status_code``), Docker's message (``explanation``) and structured ``details`` (an exit
code, a failing build step): act on those, never on the text."""

from __future__ import annotations

import http
import json
from typing import Any, Dict, List, Optional


class DockerException(Exception):
    """The base of every exception of this package (docker-py's)."""


class APIError(DockerException):
    """The engine refused or failed an operation. ``status_code`` is the HTTP status Docker's API
    answers for the same failure (404, 409, 400, 304, 403, 501, 500; 499 for a cancelled call)."""

    def __init__(
        self,
        message: Any,
        response: Any = None,
        explanation: Optional[str] = None,
        *,
        status_code: Optional[int] = None,
        kind: Optional[str] = None,
        details: Optional[Dict[str, Any]] = None,
    ) -> None:
        super().__init__(message)
        self.response = response
        self.explanation = explanation if explanation is not None else str(message)
        self._status_code = status_code
        #: the engine's ErrorKind name: NotFound, Conflict, InvalidArgument, NotModified,
        #: PermissionDenied, Unsupported, Io, Internal, Corrupt, Canceled
        self.kind = kind
        #: ``ExitCode``, ``StartFailure``, ``BuildStep`` when the engine knows them
        self.details: Dict[str, Any] = details or {}

    @property
    def status_code(self) -> Optional[int]:
        if self._status_code is not None:
            return self._status_code
        return getattr(self.response, "status_code", None)

    def is_error(self) -> bool:
        return self.is_client_error() or self.is_server_error()

    def is_client_error(self) -> bool:
        return self.status_code is not None and 400 <= self.status_code < 500

    def is_server_error(self) -> bool:
        return self.status_code is not None and 500 <= self.status_code < 600

    def __str__(self) -> str:
        code = self.status_code
        if code is None:
            return str(self.args[0]) if self.args else ""
        try:
            reason = http.HTTPStatus(code).phrase
        except ValueError:
            reason = "Client Closed Request" if code == 499 else ""
        side = "Client" if code < 500 else "Server"
        return f'{code} {side} Error: {reason} ("{self.explanation}")'


class NotFound(APIError):
    pass


class ImageNotFound(NotFound):
    pass


class InvalidVersion(DockerException):
    pass


class InvalidArgument(DockerException):
    """A bad argument caught before the engine is called (docker-py raises it client-side)."""


class NullResource(DockerException, ValueError):
    pass


class ContainerError(DockerException):
    """``containers.run`` of a container that exited non-zero (docker-py's)."""

    def __init__(self, container: Any, exit_status: int, command: Any, image: Any, stderr: Optional[bytes]) -> None:
        self.container = container
        self.exit_status = exit_status
        self.command = command
        self.image = image
        self.stderr = stderr
        err = f": {stderr.decode(errors='replace') if isinstance(stderr, bytes) else stderr}" if stderr is not None else ""
        super().__init__(f"Command '{command}' in image '{image}' returned non-zero exit status {exit_status}{err}")


class StreamParseError(RuntimeError):
    pass


class BuildError(DockerException):
    """A build failed (docker-py's): ``msg`` says why, ``build_log`` is every message streamed."""

    def __init__(self, reason: str, build_log: Any, *, details: Optional[Dict[str, Any]] = None) -> None:
        super().__init__(reason)
        self.msg = reason
        self.build_log = build_log
        self.details: Dict[str, Any] = details or {}


class ImageLoadError(DockerException):
    pass


def _from_engine(kind: str, message: str, status: int, details_json: str) -> APIError:
    """The exception for an engine error (called by the extension module). The class follows the
    status as docker-py's ``create_api_error_from_http_exception`` does, with its rule for a 404
    that names an image."""
    details = json.loads(details_json) if details_json else {}
    cls: type = APIError
    if status == 404:
        cls = ImageNotFound if "No such image" in message else NotFound
    return cls(message, explanation=message, status_code=status, kind=kind, details=details)


__all__: List[str] = [
    "DockerException", "APIError", "NotFound", "ImageNotFound", "InvalidVersion", "InvalidArgument",
    "NullResource", "ContainerError", "StreamParseError", "BuildError", "ImageLoadError",
]
