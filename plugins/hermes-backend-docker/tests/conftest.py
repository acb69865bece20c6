"""A real Docker engine and a local busybox image (no registry: the image is ``docker import``-ed)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time

import pytest

IMAGE = "local/busybox:1"


def _engine_up() -> bool:
    return subprocess.run(["docker", "info"], capture_output=True).returncode == 0


def _busybox() -> str | None:
    for path in ("/bin/busybox", "/usr/bin/busybox"):
        if os.path.exists(path):
            return path
    return None


@pytest.fixture(scope="session")
def docker_image():
    """Use a running engine or start ``dockerd``; build the image if missing; skip only if impossible."""
    if shutil.which("docker") is None:
        pytest.skip("docker CLI not installed (scripts/services.sh installs docker.io)")
    pytest.importorskip("docker", reason="the docker SDK is not installed")
    started = None
    if not _engine_up():
        if shutil.which("dockerd") is None or os.geteuid() != 0:
            pytest.skip("no Docker engine running and dockerd cannot be started here")
        log_path = os.path.join(tempfile.mkdtemp(prefix="hermes-dockerd-"), "dockerd.log")
        with open(log_path, "w") as log:
            started = subprocess.Popen(
                ["dockerd"], stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + 60
        while not _engine_up():
            if started.poll() is not None or time.monotonic() > deadline:
                started.kill()
                pytest.skip(f"dockerd could not start (see {log_path})")
            time.sleep(0.5)
    if subprocess.run(["docker", "image", "inspect", IMAGE], capture_output=True).returncode != 0:
        busybox = _busybox()
        if busybox is None:
            pytest.skip("busybox-static is not installed: cannot build the local test image")
        root = tempfile.mkdtemp(prefix="hermes-rootfs-")
        os.makedirs(f"{root}/bin")
        os.makedirs(f"{root}/tmp", mode=0o1777)
        shutil.copy(busybox, f"{root}/bin/busybox")
        applets = subprocess.run(
            [busybox, "--list"], capture_output=True, text=True, check=True
        ).stdout.split()
        for applet in applets:
            if applet != "busybox":
                os.symlink("busybox", f"{root}/bin/{applet}")
        tar = subprocess.Popen(["tar", "-C", root, "-c", "."], stdout=subprocess.PIPE)
        subprocess.run(["docker", "import", "-", IMAGE], stdin=tar.stdout, check=True, capture_output=True)
        tar.wait()
        shutil.rmtree(root, ignore_errors=True)
    yield IMAGE
    if started is not None:
        started.terminate()
        started.wait(30)
