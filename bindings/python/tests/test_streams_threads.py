"""Streams are iterators fed by the engine on a thread, cancelled by close() or by dropping them;
blocking calls release the GIL, so one client serves many threads."""

import gc
import threading
import time

from libdocker.errors import NotFound


def test_logs_follow_streams_while_running(client):
    c = client.containers.run("busybox", "sh -c 'for i in 1 2 3; do echo $i; sleep 0.1; done'", detach=True)
    assert b"".join(c.logs(stream=True, follow=True)) == b"1\n2\n3\n"
    c.remove()


def test_closing_a_silent_follow_stops_it(client):
    c = client.containers.run("busybox", "sh -c 'echo first; sleep 1000'", detach=True)
    stream = c.logs(stream=True, follow=True)
    assert next(stream) == b"first\n"
    # Another thread blocks in next() on a container that prints nothing more; close() from here
    # cancels the engine call, and that next() ends the iteration.
    got = []
    t = threading.Thread(target=lambda: got.append(list(stream)))
    t.start()
    time.sleep(0.2)
    assert t.is_alive()
    stream.close()
    t.join(10)
    assert not t.is_alive() and got == [[]]
    c.remove(force=True)


def test_dropping_a_stream_cancels_it(client):
    c = client.containers.run("busybox", "sleep 1000", detach=True)
    stream = c.logs(stream=True, follow=True)
    before = threading.active_count()
    del stream
    gc.collect()
    # The engine's thread is not a Python thread: what we check is that the drop returned (it
    # joined the call) and the container is untouched.
    assert threading.active_count() == before
    c.reload()
    assert c.status == "running"
    c.remove(force=True)


def test_a_blocked_wait_does_not_hold_the_gil(client):
    c = client.containers.run("busybox", "sleep 1000", detach=True)
    result = []
    t = threading.Thread(target=lambda: result.append(c.wait()))
    t.start()
    time.sleep(0.2)
    assert t.is_alive()
    # This thread runs Python and engine calls while the other waits inside the engine.
    assert [x.id for x in client.containers.list()] == [c.id]
    c.kill()
    t.join(10)
    assert result == [{"StatusCode": 137, "Error": None}]
    c.remove()


def test_one_client_many_threads(client):
    outputs = {}
    errors = []

    def run(i):
        try:
            outputs[i] = client.containers.run("busybox", f"echo {i}", remove=True)
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert outputs == {i: f"{i}\n".encode() for i in range(8)}
    assert client.containers.list(all=True) == []


def test_stats_stream_and_close(client):
    c = client.containers.run("busybox", "sleep 1000", detach=True)
    s = c.stats(decode=True)
    first = next(s)
    assert first["id"] == c.id and "memory_stats" in first
    s.close()
    one = c.stats(stream=False, one_shot=True)
    assert one["id"] == c.id
    c.remove(force=True)
    try:
        c.stats(stream=False)
        raise AssertionError("stats of a removed container")
    except NotFound:
        pass
