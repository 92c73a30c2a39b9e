"""Fixtures: the busybox image (Debian's busybox-static, built by tests/fixtures/busybox-rootfs.sh
as the Rust tests do), and a client on a fresh state root per test that checks, at the end, that
nothing it started is left: no container, mount or process under its root."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Iterator, List

import pytest

import libdocker

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="session")
def busybox_tar(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("fixture") / "busybox.tar"
    subprocess.run(["sh", str(REPO / "tests/fixtures/busybox-rootfs.sh"), str(out)], check=True,
                   stderr=subprocess.DEVNULL)
    return out


def leaks(root: str) -> List[str]:
    found = [f"mount: {line}" for line in Path("/proc/self/mountinfo").read_text().splitlines() if root in line]
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if root in cmd:
                found.append(f"process: {pid} {cmd}")
    return found


@pytest.fixture
def root() -> Iterator[str]:
    d = tempfile.mkdtemp(prefix="libdocker-py-")
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def client(root: str, busybox_tar: Path) -> Iterator[libdocker.Engine]:
    c = libdocker.Engine(root=root)
    c.images.import_image(str(busybox_tar), repository="busybox")
    yield c
    for ct in c.containers.list(all=True, sparse=True):
        try:
            c.containers.get(ct.id).remove(force=True)
        except libdocker.errors.NotFound:
            pass
    deadline = time.time() + 5  # an --rm container's monitor may still be finishing
    while leaks(root) and time.time() < deadline:
        time.sleep(0.05)
    left = leaks(root)
    assert not left, f"leaked: {left}"
