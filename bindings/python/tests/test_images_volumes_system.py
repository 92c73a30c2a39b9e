"""Images (import, build, tag, history, save/load, remove), volumes and the system calls."""

import io
import json
import os
import subprocess
import tarfile
from pathlib import Path

import pytest

import libdocker
from libdocker.errors import APIError, BuildError, ImageNotFound, NotFound

from conftest import REPO


def test_import_from_path_bytes_and_file(client, busybox_tar):
    by_path = client.images.get("busybox")
    data = busybox_tar.read_bytes()
    from_bytes = client.images.import_image(data, repository="bb", tag="bytes")
    with open(busybox_tar, "rb") as f:
        from_file = client.images.import_image(f, repository="bb", tag="file")
    assert "bb:bytes" in from_bytes.tags and "bb:file" in from_file.tags
    # The same tar from a path, bytes or a file object is the same layer.
    assert from_bytes.attrs["RootFS"] == by_path.attrs["RootFS"] == from_file.attrs["RootFS"]
    assert by_path.short_id.startswith("sha256:") and len(by_path.short_id) == 19


def test_import_bad_tar_is_400(client):
    with pytest.raises(APIError) as e:
        client.images.import_image(b"not a tar at all" * 100)
    assert e.value.status_code == 400


def test_build_from_path_and_fileobj(client, tmp_path):
    (tmp_path / "Dockerfile").write_text("FROM busybox\nCOPY f /f\nRUN cat /f > /g\nCMD [\"cat\", \"/g\"]\n")
    (tmp_path / "f").write_text("built\n")
    image, log = client.images.build(path=str(tmp_path), tag="built:1")
    log = list(log)
    assert image.tags == ["built:1"]
    assert any("Step 1/4 : FROM busybox" in m.get("stream", "") for m in log)
    assert client.containers.run("built:1", remove=True) == b"built\n"
    lone, _ = client.images.build(fileobj=io.BytesIO(b"FROM busybox\nLABEL x=y\n"), labels={"z": "w"})
    assert lone.labels == {"x": "y", "z": "w"}


def test_build_failure_is_build_error_with_log(client, tmp_path):
    (tmp_path / "Dockerfile").write_text("FROM busybox\nRUN echo failing; exit 7\n")
    with pytest.raises(BuildError) as e:
        client.images.build(path=str(tmp_path))
    assert e.value.details.get("ExitCode") == 7
    assert any("failing" in m.get("stream", "") for m in e.value.build_log)
    assert client.containers.list(all=True) == []


def test_build_needs_a_context(client):
    with pytest.raises(TypeError):
        client.images.build(tag="x")


def test_tag_history_list_remove(client):
    img = client.images.get("busybox")
    assert img.tag("other", "t1") is True
    img.reload()
    assert sorted(img.tags) == ["busybox:latest", "other:t1"]
    assert img.history()[0]["Id"] == img.id
    assert [i.id for i in client.images.list(name="other")] == [img.id]
    client.images.remove("other:t1")
    with pytest.raises(ImageNotFound):
        client.images.get("other:t1")
    with pytest.raises(ImageNotFound) as e:
        client.images.remove("never:there")
    assert e.value.status_code == 404


def test_remove_image_in_use_is_409(client):
    c = client.containers.create("busybox", "true")
    with pytest.raises(APIError) as e:
        client.images.remove("busybox")
    assert e.value.status_code == 409 and e.value.kind == "Conflict"
    c.remove()


def test_save_and_load(client, root, tmp_path):
    img = client.images.get("busybox")
    archive = b"".join(img.save(named=True))
    names = tarfile.open(fileobj=io.BytesIO(archive)).getnames()
    assert "manifest.json" in names
    other = libdocker.Engine(root=str(tmp_path / "other"))
    loaded = other.images.load(archive)
    assert [i.id for i in loaded] == [img.id] and loaded[0].tags == ["busybox:latest"]


def test_volumes(client):
    v = client.volumes.create("data", labels={"l": "1"})
    assert v.name == "data" and v.id == "data" and v.attrs["Labels"] == {"l": "1"}
    assert [x.name for x in client.volumes.list()] == ["data"]
    assert client.containers.run("busybox", "sh -c 'echo kept > /v/f'", volumes={"data": {"bind": "/v", "mode": "rw"}},
                                 remove=True) == b""
    assert client.containers.run("busybox", "cat /v/f", volumes=["data:/v:ro"], remove=True) == b"kept\n"
    with pytest.raises(NotFound):
        client.volumes.get("nope")
    v.remove()
    assert client.volumes.list() == []
    client.volumes.create("named")
    assert client.volumes.prune()["VolumesDeleted"] in (None, [])
    assert client.volumes.prune(filters={"all": True})["VolumesDeleted"] == ["named"]


def test_system(client, root):
    assert client.ping() is True
    v = client.version()
    assert v["ApiVersion"] and v["Version"] and v["Os"] == "linux"
    info = client.info()
    assert info["Images"] >= 1 and info["DockerRootDir"] == root
    assert client.root == root


def test_from_env_uses_libdocker_root(root, busybox_tar):
    client = libdocker.from_env(environment={"LIBDOCKER_ROOT": root})
    assert client.root == root
    with pytest.raises(TypeError):
        libdocker.from_env(base_url="unix:///var/run/docker.sock")


def test_relative_root_is_refused():
    with pytest.raises(APIError) as e:
        libdocker.Engine(root="relative/dir")
    assert e.value.status_code == 400 and "absolute" in e.value.explanation


def test_wrong_types_raise_type_error(client):
    with pytest.raises(TypeError):
        client._native.container_inspect(42)
    with pytest.raises(TypeError):
        client.containers.get(None)
