"""libdocker for Python: Docker's engine in this process, with docker-py's high-level API.

    import libdocker
    client = libdocker.from_env()              # or libdocker.Engine(root="/tmp/state")
    print(client.containers.run("busybox", "echo hello", remove=True))

Thin: every operation is one call of the engine's façade (``libdocker._native``) taking and
returning the Engine API's documents; errors are ``libdocker.errors``' docker-py classes."""

from . import errors
from .client import DockerClient, Engine, from_env
from .errors import APIError, BuildError, ContainerError, DockerException, ImageNotFound, NotFound
from .models.containers import Container
from .models.images import Image
from .models.volumes import Volume

__version__ = "0.1.0"

__all__ = [
    "Engine", "DockerClient", "from_env", "errors", "Container", "Image", "Volume",
    "DockerException", "APIError", "NotFound", "ImageNotFound", "ContainerError", "BuildError",
]
