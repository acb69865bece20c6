"""A local image holding a Python, built offline from this machine's own files (no registry).

``local/hermes-executor-python:1``: busybox (the shell and tools), Debian's ``/usr/bin/python3.11`` with
its standard library (minus tests, IDLE, tkinter, build config) and every shared library ``ldd`` names
for it and its extension modules, ``docker import``-ed. About 50 MB; built once, then reused.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile

IMAGE = "local/hermes-executor-python:1"
PYTHON = "/usr/bin/python3.11"
STDLIB = "/usr/lib/python3.11"
LEFT_OUT = (
    "config-3.11-*",
    "test",
    "lib2to3",
    "idlelib",
    "tkinter",
    "dist-packages",
    "pydoc_data",
    "ensurepip",
)


def missing_reason() -> str | None:
    """Why the image cannot be built here, or ``None``."""
    if shutil.which("docker") is None:
        return "docker CLI not installed"
    if subprocess.run(["docker", "info"], capture_output=True).returncode != 0:
        return "no Docker engine running"
    if not os.path.exists(PYTHON) or not os.path.isdir(STDLIB):
        return f"{PYTHON} (Debian's python3.11) is not here to copy into an image"
    if _busybox() is None:
        return "busybox-static is not installed"
    return None


def _busybox() -> str | None:
    return next((p for p in ("/bin/busybox", "/usr/bin/busybox") if os.path.exists(p)), None)


def _libraries(paths: list[str]) -> set[str]:
    found: set[str] = set()
    for path in paths:
        out = subprocess.run(["ldd", path], capture_output=True, text=True).stdout
        found |= {word for word in out.split() if word.startswith("/")}
    return found


def build() -> str:
    if subprocess.run(["docker", "image", "inspect", IMAGE], capture_output=True).returncode == 0:
        return IMAGE
    root = tempfile.mkdtemp(prefix="hermes-pyroot-")
    try:
        for folder in ("bin", "usr/bin", "usr/lib"):
            os.makedirs(f"{root}/{folder}")
        os.makedirs(f"{root}/tmp", mode=0o1777)
        busybox = _busybox()
        shutil.copy(busybox, f"{root}/bin/busybox")
        for applet in subprocess.run([busybox, "--list"], capture_output=True, text=True).stdout.split():
            if applet != "busybox":
                os.symlink("busybox", f"{root}/bin/{applet}")
        shutil.copy(PYTHON, f"{root}/usr/bin/python3.11")
        os.symlink("python3.11", f"{root}/usr/bin/python3")
        shutil.copytree(STDLIB, f"{root}{STDLIB}", ignore=shutil.ignore_patterns(*LEFT_OUT), symlinks=True)
        for library in _libraries([PYTHON, *glob.glob(f"{STDLIB}/lib-dynload/*.so")]):
            os.makedirs(os.path.dirname(f"{root}{library}"), exist_ok=True)
            shutil.copy(os.path.realpath(library), f"{root}{library}")
        tar = subprocess.Popen(["tar", "-C", root, "-c", "."], stdout=subprocess.PIPE)
        subprocess.run(["docker", "import", "-", IMAGE], stdin=tar.stdout, check=True, capture_output=True)
        tar.wait()
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return IMAGE
