"""A stand-in for the ``modal`` SDK (injected into ``sys.modules``): sandboxes are local directories.

Only the calls the backend makes exist; each records itself in ``CALLS`` so tests can check the usage.
Commands run in a local ``bash`` with the sandbox's ``workdir`` rewritten to a private host directory.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import threading
import types

CALLS: list[tuple] = []
LIVE: list[Sandbox] = []
_lock = threading.Lock()


class App:
    @staticmethod
    def lookup(name, create_if_missing=False):
        CALLS.append(("App.lookup", name, create_if_missing))
        return types.SimpleNamespace(name=name)


class Image:
    @staticmethod
    def from_registry(tag):
        CALLS.append(("Image.from_registry", tag))
        return types.SimpleNamespace(tag=tag)


class _Stream:
    def __init__(self, proc):
        self._proc = proc

    def read(self):
        return self._proc.stdout.read()


class _Process:
    def __init__(self, proc):
        self._proc = proc
        self.stdout = _Stream(proc)
        self.returncode = None

    def wait(self):
        self.returncode = self._proc.wait()
        return self.returncode


class Sandbox:
    fail_next_create = False

    def __init__(self, app, image, timeout, workdir):
        self.app, self.image, self.timeout, self.workdir = app, image, timeout, workdir
        self.root = tempfile.mkdtemp(prefix="fake-modal-")
        self.terminated = False

    @classmethod
    def create(cls, *, app, image, timeout, workdir):
        CALLS.append(("Sandbox.create", image.tag, timeout, workdir))
        if cls.fail_next_create:
            cls.fail_next_create = False
            raise RuntimeError("fake quota exceeded")
        sb = cls(app, image, timeout, workdir)
        with _lock:
            LIVE.append(sb)
        return sb

    def exec(self, *argv, timeout=None):
        CALLS.append(("Sandbox.exec", argv, timeout))
        if self.terminated:
            raise RuntimeError("sandbox terminated")
        argv = [a.replace(self.workdir, self.root) for a in argv]
        proc = subprocess.Popen(
            argv, cwd=self.root, stdout=subprocess.PIPE, text=True, start_new_session=True
        )
        return _Process(proc)

    def poll(self):
        return 0 if self.terminated else None

    def terminate(self):
        CALLS.append(("Sandbox.terminate",))
        if not self.terminated:
            self.terminated = True
            with _lock:
                LIVE.remove(self)
            shutil.rmtree(self.root, ignore_errors=True)


def install(monkeypatch):
    import sys

    module = types.ModuleType("modal")
    module.App, module.Image, module.Sandbox = App, Image, Sandbox
    CALLS.clear()
    monkeypatch.setitem(sys.modules, "modal", module)
    return module
