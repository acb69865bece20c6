"""How a local command is kept away from hermes's secrets: a ``bwrap`` PID and mount namespace.

Without it a command reads hermes's own environment (``/proc/$PPID/environ``: every API key) and
``~/.hermes/.env``; the allow-listed environment does not help. With ``bubblewrap`` (Debian package
``bubblewrap``) each command runs as::

    bwrap --unshare-pid --dev-bind / / --proc /proc --tmpfs ~/.hermes [--tmpfs $HERMES_HOME]
          --bind CWD CWD --chdir CWD -- bash -c COMMAND

- a new PID namespace with its own ``/proc``: no process of the host is visible, hermes's included;
- ``~/.hermes`` and ``$HERMES_HOME`` hidden by empty tmpfs mounts; the task's directory bound
  read-write (also when it lies inside them); the rest of the file system as before;
- every process the command starts lives in that namespace. Its init (bwrap's, pid 1 inside) carries
  our markers in its environment, and killing it makes the kernel kill the whole namespace, whatever
  the processes did to their environment or session. ``--die-with-parent`` is not used: it would end
  the task's background jobs (``server &``) with each command, where they used to live until cleanup.

Setting ``terminal.local.isolation``: ``auto`` (bwrap when it works here, else none), ``bwrap`` (an
error when it does not), ``none``. Whether it works is probed once per process by running
``bwrap ... true`` (a container without user namespaces or ``CAP_SYS_ADMIN`` refuses it). Without
isolation, commands run as before, under a child subreaper (:mod:`hermes_core.subreaper`) so that
cleanup still kills what they start; ``hermes doctor`` says which one is in use.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Sequence

from hermes_core.config_files import hermes_home

CHOICES = ("auto", "bwrap", "none")
PROBE_ATTEMPTS = 3
_probe_lock = threading.Lock()
_probed: dict[str, str | None] = {}


def hidden_paths() -> list[str]:
    """The folders a command must not read: ``~/.hermes`` and ``$HERMES_HOME``."""
    paths = {os.path.expanduser("~/.hermes"), str(hermes_home())}
    return sorted({os.path.realpath(p) for p in paths if os.path.isdir(p)} - {"/"})


def bwrap_argv(
    argv: Sequence[str], cwd: str, chdir: str | None = None, bwrap: str = "bwrap", block_fd: int | None = None
) -> list[str]:
    """``argv`` run by ``bwrap`` in a new PID namespace from ``chdir`` (default ``cwd``), hermes's
    folders hidden, the task's folder ``cwd`` writable (only it: a ``chdir`` into a hidden folder fails).
    ``block_fd``: a :class:`StartGate`'s descriptor."""
    chdir = chdir or cwd
    cwd = os.path.realpath(cwd)
    mounts = [(p.count("/"), 0, ["--tmpfs", p]) for p in hidden_paths()]
    mounts.append((cwd.count("/"), 1, ["--bind", cwd, cwd]))
    args = [bwrap, "--unshare-pid", "--dev-bind", "/", "/", "--proc", "/proc"]
    for _, _, mount in sorted(mounts):  # outer paths first: a task folder inside ~/.hermes stays visible,
        args += mount  # ~/.hermes inside a task folder (cwd = ~) stays hidden
    if block_fd is not None:
        args += ["--block-fd", str(block_fd)]
    return [*args, "--chdir", chdir, "--", *argv]


class StartGate:
    """Tells whether bwrap got as far as running the command, so that a failed set-up can be retried.

    bwrap's set-up can fail for a moment on a busy host (bubblewrap#273: CI jobs where it now and then
    failed to start; here, one loaded CI run's local command printed a line ending ``Invalid
    argument`` instead of its output). Its error then looks like any command's exit 1. The gate is a pipe
    holding one byte, given to bwrap as ``--block-fd``: bwrap reads it after the set-up, just before it
    runs the command. A byte still there afterwards means the command never ran, and running it again
    is safe. (The write end is closed at once, so a read never blocks.)
    """

    def __enter__(self) -> StartGate:
        self.fd, write_end = os.pipe()
        os.write(write_end, b".")
        os.close(write_end)
        return self

    def __exit__(self, *exc: object) -> None:
        os.close(self.fd)

    def passed(self) -> bool:
        """Whether the command was started (bwrap took the byte)."""
        return os.read(self.fd, 1) != b"."


def bwrap_problem() -> str | None:
    """``None`` when ``bwrap`` isolates commands here, else why not (probed once, then cached)."""
    with _probe_lock:
        if "bwrap" not in _probed:
            _probed["bwrap"] = _probe()
        return _probed["bwrap"]


def _probe() -> str | None:
    path = shutil.which("bwrap")
    if path is None:
        return "bwrap is not installed (Debian/Ubuntu: apt-get install bubblewrap)"
    for attempt in range(1, PROBE_ATTEMPTS + 1):  # a set-up can fail for a moment (see StartGate)
        with tempfile.TemporaryDirectory(prefix="hermes-bwrap-probe-") as cwd:
            try:
                done = subprocess.run(
                    bwrap_argv(["true"], cwd, bwrap=path),
                    stdin=subprocess.DEVNULL,
                    capture_output=True,
                    text=True,
                    timeout=30,
                )
            except (OSError, subprocess.TimeoutExpired) as exc:
                return f"bwrap could not be started: {exc}"
        if done.returncode == 0:
            return None
        time.sleep(0.05 * attempt)
    reason = (done.stderr.strip().splitlines() or [f"exit {done.returncode}"])[-1]
    return f"bwrap does not work here: {reason}"


def resolve(choice: str | None) -> tuple[str, str | None]:
    """``(mode, note)``: the isolation a choice gives here (``bwrap`` or ``none``) and, when it is
    ``none``, why. An explicit ``bwrap`` that does not work raises ``RuntimeError``."""
    choice = (choice or "auto").strip().lower()
    if choice not in CHOICES:
        raise RuntimeError(f"terminal.local.isolation must be one of {', '.join(CHOICES)}, not {choice!r}")
    if choice == "none":
        return "none", "isolation turned off (terminal.local.isolation = none)"
    problem = bwrap_problem()
    if problem is None:
        return "bwrap", None
    if choice == "bwrap":
        raise RuntimeError(f"terminal.local.isolation = bwrap, but {problem}")
    return "none", problem


def describe(mode: str, note: str | None) -> str:
    home = os.path.expanduser("~")
    folders = ", ".join(dict.fromkeys(["~/.hermes", str(hermes_home()).replace(home, "~", 1)]))
    if mode == "bwrap":
        return (
            f"commands run in a bwrap PID namespace: hermes's environment and folders ({folders}) are out "
            "of reach, every process they start ends at cleanup"
        )
    return (
        f"commands run unisolated: {note}. They can read hermes's environment (/proc) and folders "
        f"({folders}); output masking and a child subreaper are all that stand in the way"
    )


__all__ = ["CHOICES", "StartGate", "bwrap_argv", "bwrap_problem", "describe", "hidden_paths", "resolve"]
