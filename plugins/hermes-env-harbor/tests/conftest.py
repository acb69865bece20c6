"""Fixtures: a real Docker engine with ``debian:bookworm-slim`` (built offline when missing), the test
tasks, and a helper running ``hermes tasks run`` in process."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # harbor_kit, the helpers these tests share

from harbor_kit import BASE_IMAGE, TASKS


def _engine_reason() -> str | None:
    try:
        import docker

        docker.from_env().ping()
    except Exception as exc:
        return f"no Docker engine reachable ({type(exc).__name__}): start dockerd (scripts/services.sh)"
    return None


def build_base_image() -> None:
    """``debian:bookworm-slim`` from Debian's packages, no registry (the README's recipe):
    ``debootstrap --variant=minbase bookworm ROOT`` then ``tar -C ROOT -c . | docker import - TAG``."""
    root = tempfile.mkdtemp(prefix="hermes-debootstrap-")
    try:
        subprocess.run(
            ["debootstrap", "--variant=minbase", "bookworm", root, "http://deb.debian.org/debian"],
            check=True, capture_output=True, timeout=900,
        )  # fmt: skip
        tar = subprocess.Popen(["tar", "-C", root, "-c", "."], stdout=subprocess.PIPE)
        subprocess.run(
            ["docker", "import", "-", BASE_IMAGE], stdin=tar.stdout, check=True, capture_output=True
        )
        tar.wait()
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def docker_engine():
    """The engine, with the base image the test tasks start ``FROM``; skips (with why) without one."""
    reason = _engine_reason()
    if reason:
        pytest.skip(reason)
    import docker

    client = docker.from_env()
    try:
        client.images.get(BASE_IMAGE)
    except Exception:
        if shutil.which("debootstrap") is None:
            pytest.skip(f"{BASE_IMAGE} is missing and debootstrap is not installed to build it offline")
        try:
            build_base_image()
        except (subprocess.SubprocessError, OSError) as exc:
            pytest.skip(f"could not build {BASE_IMAGE} with debootstrap: {exc}")
    return client


@pytest.fixture
def tasks_copy(tmp_path):
    """A private copy of the test tasks (so a test may change them)."""
    target = tmp_path / "tasks"
    shutil.copytree(TASKS, target)
    return target
