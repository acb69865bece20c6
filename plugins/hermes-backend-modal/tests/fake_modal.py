"""A stand-in for the ``modal`` SDK (injected into ``sys.modules``): sandboxes are local directories.

Only the calls the backend makes exist; each records itself in ``CALLS`` so tests can check the usage.
Commands run in a local ``bash`` with the sandbox's ``workdir`` rewritten to a private host directory.
"""

from __future__ import annotations

import codecs
import os
import shutil
import signal
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
    """Like Modal's StreamReader: ``read()`` waits for EOF; iterating yields text as it arrives."""

    def __init__(self, proc):
        self._proc = proc

    def read(self):
        return self._proc.stdout.read()

    def __iter__(self):
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        fd = self._proc.stdout.fileno()
        while True:
            data = os.read(fd, 65536)
            text = decoder.decode(data, not data)
            if text:
                yield text
            if not data:
                return


class _Process:
    wait_error: type[BaseException] | None = None  # set to make wait() raise once the command is over

    def __init__(self, proc):
        self._proc = proc
        self.stdout = _Stream(proc)
        self.returncode = None

    def wait(self):
        code = self._proc.wait()
        if self.wait_error is not None:
            raise self.wait_error("fake exec timed out")
        self.returncode = code
        return code


class Sandbox:
    fail_next_create = False

    def __init__(self, app, image, timeout, workdir):
        self.app, self.image, self.timeout, self.workdir = app, image, timeout, workdir
        self.root = tempfile.mkdtemp(prefix="fake-modal-")
        self.terminated = False
        self.sessions: list[int] = []  # each exec starts its own session; terminate kills them all

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
        remote_env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": self.root,
        }  # a machine of its own
        proc = subprocess.Popen(
            argv, cwd=self.root, stdout=subprocess.PIPE, text=True, start_new_session=True, env=remote_env
        )
        self.sessions.append(proc.pid)
        return _Process(proc)

    def poll(self):
        return 0 if self.terminated else None

    def terminate(self):
        CALLS.append(("Sandbox.terminate",))
        if not self.terminated:
            self.terminated = True
            with _lock:
                LIVE.remove(self)
            _kill_sessions(self.sessions)  # a real sandbox takes every process with it
            shutil.rmtree(self.root, ignore_errors=True)


def session_pids(sessions) -> list[int]:
    """Live processes (zombies excluded) in any of the sessions ``sessions``."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z" and int(fields[3]) in sessions:  # state, ppid, pgrp, session
            pids.append(int(entry))
    return pids


def _kill_sessions(sessions) -> None:
    for pid in session_pids(sessions):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


def install(monkeypatch):
    import sys

    module = types.ModuleType("modal")
    module.App, module.Image, module.Sandbox = App, Image, Sandbox
    CALLS.clear()
    monkeypatch.setitem(sys.modules, "modal", module)
    return module
