"""Containers through docker-py's API: run (output, errors, detach, remove), lifecycle, logs,
exec, diff/export/commit/top, list/prune, and what docker-py raises for bad input."""

import io
import tarfile
import threading
import time

import pytest

import libdocker
from libdocker.errors import APIError, ContainerError, ImageNotFound, NotFound


def test_run_returns_output_and_removes(client):
    assert client.containers.run("busybox", "echo hello", remove=True) == b"hello\n"
    assert client.containers.list(all=True) == []


def test_run_stdout_stderr_selection(client):
    cmd = ["sh", "-c", "echo out; echo err >&2"]
    assert client.containers.run("busybox", cmd, remove=True) == b"out\n"
    assert client.containers.run("busybox", cmd, remove=True, stdout=False, stderr=True) == b"err\n"


def test_run_nonzero_raises_container_error_with_stderr(client):
    with pytest.raises(ContainerError) as e:
        client.containers.run("busybox", "sh -c 'echo broken >&2; exit 3'", remove=True)
    assert e.value.exit_status == 3
    assert e.value.stderr == b"broken\n"
    assert e.value.image == "busybox"
    assert client.containers.list(all=True) == []


def test_run_command_not_found_is_api_error_400_with_exit_code(client):
    with pytest.raises(APIError) as e:
        client.containers.run("busybox", "/no/such/command", remove=True)
    assert e.value.status_code == 400
    assert e.value.details.get("ExitCode") == 127
    assert client.containers.list(all=True) == []


def test_run_unknown_image_is_image_not_found(client):
    with pytest.raises(ImageNotFound) as e:
        client.containers.run("nosuchimage:1", "true")
    assert e.value.status_code == 404
    assert "No such image" in e.value.explanation


def test_unknown_kwarg_is_type_error(client):
    with pytest.raises(TypeError, match="no_such_option"):
        client.containers.run("busybox", "true", no_such_option=1)


def test_invalid_config_is_400(client):
    with pytest.raises(libdocker.errors.DockerException, match="12x"):
        client.containers.create("busybox", "true", mem_limit="12x")
    with pytest.raises(APIError) as e:
        client.containers.create("busybox", "true", restart_policy={"Name": "sometimes"})
    assert e.value.status_code == 400 and "sometimes" in e.value.explanation
    assert client.containers.list(all=True) == []


def test_detach_lifecycle(client):
    c = client.containers.run("busybox", "sleep 30", detach=True, name="sleeper", labels={"a": "b"})
    assert isinstance(c, libdocker.Container)
    assert c.name == "sleeper" and c.labels == {"a": "b"} and len(c.short_id) == 12
    c.reload()
    assert c.status == "running"
    assert [x.id for x in client.containers.list()] == [c.id]
    top = c.top()
    assert any("sleep" in " ".join(p) for p in top["Processes"])
    c.stop(timeout=1)
    c.reload()
    assert c.status == "exited"
    assert client.containers.list() == []
    assert [x.name for x in client.containers.list(all=True)] == ["sleeper"]
    c.restart(timeout=1)
    c.reload()
    assert c.status == "running"
    c.kill()
    assert c.wait()["StatusCode"] == 137
    c.remove()
    with pytest.raises(NotFound):
        client.containers.get("sleeper")


def test_detach_with_remove_is_auto_removed(client):
    c = client.containers.run("busybox", "true", detach=True, remove=True)
    c.wait(condition="removed")
    with pytest.raises(NotFound):
        c.reload()


def test_create_then_start_wait_logs(client):
    c = client.containers.create("busybox", ["sh", "-c", "echo one; echo two >&2; exit 4"],
                                 environment={"X": "y"}, working_dir="/tmp")
    assert c.status == "created"
    c.start()
    assert c.wait() == {"StatusCode": 4, "Error": None}
    assert c.logs() == b"one\ntwo\n"
    assert c.logs(stderr=False) == b"one\n"
    assert c.logs(tail=1) == b"two\n"
    assert c.attrs["Config"]["Env"][-1] == "X=y" or "X=y" in c.attrs["Config"]["Env"]
    c.remove()


def test_wait_timeout(client):
    c = client.containers.run("busybox", "sleep 30", detach=True)
    with pytest.raises(TimeoutError):
        c.wait(timeout=0.2)
    c.remove(force=True)


def test_exec_run(client):
    c = client.containers.run("busybox", "sleep 30", detach=True)
    code, out = c.exec_run("sh -c 'echo hi; echo err >&2; exit 2'")
    assert code == 2 and out == b"hi\nerr\n"
    assert c.exec_run(["cat", "/etc/hostname"]).output.strip() == c.id[:12].encode()
    assert c.exec_run("sh -c 'echo a; echo b >&2'", demux=True).output == (b"a\n", b"b\n")
    assert b"".join(c.exec_run("echo streamed", stream=True).output) == b"streamed\n"
    c.remove(force=True)


def test_diff_export_commit_archive(client):
    c = client.containers.run("busybox", "sh -c 'echo data > /new.txt'", detach=True)
    c.wait()
    assert {"Path": "/new.txt", "Kind": 1} in c.diff()
    tar = tarfile.open(fileobj=io.BytesIO(b"".join(c.export())))
    assert tar.extractfile("new.txt").read() == b"data\n"
    stream, stat = c.get_archive("/new.txt")
    assert stat["name"] == "new.txt" and stat["size"] == 5
    assert tarfile.open(fileobj=io.BytesIO(b"".join(stream))).extractfile("new.txt").read() == b"data\n"
    image = c.commit("committed", "v1", message="from python")
    assert image.tags == ["committed:v1"]
    assert client.containers.run("committed:v1", "cat /new.txt", remove=True) == b"data\n"
    c.remove()


def test_put_archive(client):
    c = client.containers.create("busybox", "cat /put/f.txt")
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as t:
        info = tarfile.TarInfo("f.txt")
        info.size = 3
        t.addfile(info, io.BytesIO(b"abc"))
    assert c.put_archive("/tmp", buf.getvalue())
    stream, stat = c.get_archive("/tmp/f.txt")
    assert stat["size"] == 3
    c.remove()


def test_prune(client):
    a = client.containers.run("busybox", "true", detach=True)
    a.wait()
    b = client.containers.run("busybox", "sleep 30", detach=True)
    report = client.containers.prune()
    assert report["ContainersDeleted"] == [a.id]
    assert [x.id for x in client.containers.list(all=True)] == [b.id]
    b.remove(force=True)


def test_list_filters(client):
    a = client.containers.run("busybox", "true", detach=True, labels={"k": "1"})
    client.containers.run("busybox", "true", detach=True)
    assert [x.id for x in client.containers.list(all=True, filters={"label": "k=1"})] == [a.id]
    assert len(client.containers.list(all=True, limit=1)) == 1
