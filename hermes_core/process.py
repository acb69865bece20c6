"""Host processes under the terminal contract: own session, marked, limited, killed with all they started.

Shared by the ``local`` backend and by backends whose sandbox is reached through a host command
(``apptainer exec``), so that the group kill, the marker kill, the clean environment and the resource
limits are written once.

Every process a sandbox starts carries two lines in its environment: ``HERMES_SANDBOX_OWNER=<our pid>``
and the sandbox's own marker. A ``setsid`` child leaves our process group but keeps its environment, so
:func:`kill_marked` finds it; and after a ``kill -9`` of hermes itself, :func:`reclaim_orphans` (run on the
next start) kills what carried a dead owner's pid and removes that owner's ``hermes-<pid>-*`` folders.
A command that also drops its environment (``setsid env -i ...``) is found below its parent while that
lives (a timed-out group is frozen first, so it does), and otherwise by what it runs under: a
PID namespace (the local backend's ``bwrap``; its init keeps the markers, and killing it ends the whole
namespace) or else a child subreaper (:mod:`hermes_core.subreaper`) whose tree is killed bottom-up.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from hermes_core.builtin import DEFAULT_ENV_ALLOW
from hermes_core.subreaper import descendants, is_reaper, kill_tree, reaper_argv
from hermes_core.terminal import (
    DEFAULT_MAX_OUTPUT,
    PIPE_GRACE,
    TIMEOUT_EXIT_CODE,
    ExecResult,
    TailBuffer,
    task_slug,
    timeout_note,
)

__all__ = [
    "OWNER_VARIABLE",
    "ResourceLimits",
    "TailBuffer",
    "clean_environment",
    "kill_group",
    "kill_marked",
    "owned_tempdir",
    "reaper_argv",
    "reclaim_orphans",
    "run_process",
    "timeout_note",
]

OWNER_VARIABLE = "HERMES_SANDBOX_OWNER"
TEMP_PREFIX = "hermes-"


def owner_marker(pid: int | None = None) -> str:
    return f"{OWNER_VARIABLE}={os.getpid() if pid is None else pid}"


def clean_environment(
    allow: Iterable[str] | str = DEFAULT_ENV_ALLOW, extra: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Only the allowed variables of our environment (``FOO*`` allows a prefix), plus ``extra``.

    ``allow`` may be a list or one string of names separated by commas or spaces.

    hermes's own environment holds API keys (``OPENAI_API_KEY``, the ``.env`` values); a command the
    model writes must not be able to ``echo`` them.
    """
    if isinstance(allow, str):
        allow = allow.replace(",", " ").split()
    names = [a.strip() for a in allow if a and a.strip()]
    exact = {n for n in names if not n.endswith("*")}
    prefixes = tuple(n[:-1] for n in names if n.endswith("*"))
    env = {k: v for k, v in os.environ.items() if k in exact or (prefixes and k.startswith(prefixes))}
    env.update(extra or {})
    return env


# -- resource limits -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResourceLimits:
    """Limits set with ``setrlimit`` in the child before it runs the command (``None``: unlimited).

    ``processes`` is RLIMIT_NPROC, which the kernel counts per *user*, not per sandbox: set it above the
    number of processes the user already runs. ``memory_mb`` is address space (RLIMIT_AS); ``file_size_mb``
    the largest file a command may write (RLIMIT_FSIZE).
    """

    processes: int | None = None
    memory_mb: int | None = None
    file_size_mb: int | None = None

    def __bool__(self) -> bool:
        return any(v is not None and v > 0 for v in (self.processes, self.memory_mb, self.file_size_mb))

    def preexec(self) -> Callable[[], None] | None:
        """The function the child runs between fork and exec, or ``None`` when nothing is limited."""
        if not self:
            return None
        import resource

        pairs = []
        if self.processes:
            pairs.append((resource.RLIMIT_NPROC, self.processes))
        if self.memory_mb:
            pairs.append((resource.RLIMIT_AS, self.memory_mb * 1024 * 1024))
        if self.file_size_mb:
            pairs.append((resource.RLIMIT_FSIZE, self.file_size_mb * 1024 * 1024))
        setrlimit = resource.setrlimit

        def apply() -> None:  # runs in the forked child: no locks, no imports
            for kind, value in pairs:
                setrlimit(kind, (value, value))

        return apply


# -- killing ---------------------------------------------------------------------------------------------


def kill_group(pgid: int, sig: int = signal.SIGKILL) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _environ_lines(pid: str) -> list[bytes]:
    try:
        with open(f"/proc/{pid}/environ", "rb") as f:
            return f.read().split(b"\0")
    except OSError:  # gone, or not ours to read
        return []


def _processes() -> list[str]:
    try:
        return [p for p in os.listdir("/proc") if p.isdigit()]
    except OSError:
        return []


def _kill(pids: Iterable[int]) -> int:
    """SIGKILL ``pids``, reapers (:mod:`hermes_core.subreaper`) after everything below them; how many."""
    pids = list(pids)
    reapers = [pid for pid in pids if is_reaper(pid)]
    killed = sum(kill_tree(pid) for pid in reapers)
    for pid in set(pids).difference(reapers):
        try:
            os.kill(pid, signal.SIGKILL)
            killed += 1
        except (ProcessLookupError, PermissionError):
            pass
    return killed


def kill_marked(marker: str, passes: int = 10) -> int:
    """Kill every process of ours whose environment holds the line ``marker`` (``NAME=VALUE``) and
    everything below one (a reaper's or PID-namespace init's tree, whatever its environment); returns how
    many.

    Each process found is stopped at once (SIGSTOP), so that it can neither fork, exit nor write while we
    look, and the tree below a marked process is found by parent links as well as by marker: a child caught
    inside ``execve`` has no readable environment for a moment, and one that called ``setsid`` has left the
    process group, but neither has left its parent (a loaded machine showed both). Passes repeat until one
    finds nothing new; then all are killed, reapers after what is below them.
    """
    wanted, me, stopped = marker.encode(), os.getpid(), set()
    for _ in range(passes):
        marked = {int(pid) for pid in _processes() if int(pid) != me and wanted in _environ_lines(pid)}
        if not marked and not stopped:
            break
        found = marked.union(descendants(*marked, *stopped))
        new = found - stopped - {me}
        if not new:
            break
        for pid in new:
            try:
                os.kill(pid, signal.SIGSTOP)
            except (ProcessLookupError, PermissionError):
                pass
        stopped |= new
    return _kill(stopped)


# -- temporary folders and orphans ----------------------------------------------------------------------


def owned_tempdir(task_id: str) -> str:
    """A fresh ``$TMPDIR/hermes-<our pid>-<task slug>-XXXX`` folder, reclaimable once we are dead."""
    return tempfile.mkdtemp(prefix=f"{TEMP_PREFIX}{os.getpid()}-{task_slug(task_id)}-")


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def owned_tempdirs(pid: int | None = None) -> list[str]:
    """Every ``hermes-<pid>-*`` folder in the temporary directory (``pid`` default: ours)."""
    root = tempfile.gettempdir()
    prefix = f"{TEMP_PREFIX}{os.getpid() if pid is None else pid}-"
    try:
        return [os.path.join(root, n) for n in os.listdir(root) if n.startswith(prefix)]
    except OSError:
        return []


def _pid_namespace(pid: str) -> str | None:
    try:
        return os.readlink(f"/proc/{pid}/ns/pid")
    except OSError:
        return None


def _command_name(pid: str) -> str:
    try:
        with open(f"/proc/{pid}/comm") as f:
            return f.read().strip()
    except OSError:
        return ""


def _uid(pid: str) -> int | None:
    try:
        return os.stat(f"/proc/{pid}").st_uid
    except OSError:
        return None


def reclaim_orphans() -> dict[str, int]:
    """Kill processes and remove folders that sandboxes of a dead hermes (``kill -9``) left behind.

    Owners are recognised by pid: a ``hermes-<pid>-*`` folder or an ``HERMES_SANDBOX_OWNER=<pid>``
    process whose pid is no longer running is an orphan. Returns ``{"processes": n, "folders": m}``.
    """
    dead: set[int] = set()
    root = tempfile.gettempdir()
    pattern = re.compile(rf"{re.escape(TEMP_PREFIX)}(\d+)-")
    folders = 0
    try:
        names = os.listdir(root)
    except OSError:
        names = []
    for name in names:
        match = pattern.match(name)
        if not match:
            continue
        pid = int(match.group(1))
        if pid == os.getpid() or _pid_alive(pid):
            continue
        dead.add(pid)
        path = os.path.join(root, name)
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path, ignore_errors=True)
            folders += 1
    prefix = f"{OWNER_VARIABLE}=".encode()
    namespace, uid = _pid_namespace("self"), os.getuid()
    orphans = []
    for pid in _processes():
        # an owner pid means something only in our pid namespace (a container has its own; the init of a
        # local sandbox's namespace is a ``bwrap`` we started), and only our user's processes are ours
        if (_pid_namespace(pid) != namespace and _command_name(pid) != "bwrap") or _uid(pid) != uid:
            continue
        for line in _environ_lines(pid):
            if line.startswith(prefix):
                owner = line[len(prefix) :].decode(errors="replace")
                if owner.isdigit() and int(owner) != os.getpid() and not _pid_alive(int(owner)):
                    orphans.append(int(pid))
                break
    processes = _kill(orphans)
    return {"processes": processes, "folders": folders}


def release_everything() -> None:
    """Kill every process our sandboxes started and remove our ``hermes-<pid>-*`` folders.

    Takes no lock, so a signal handler may call it whatever the interrupted thread was holding.
    """
    kill_marked(owner_marker())
    for path in owned_tempdirs():
        shutil.rmtree(path, ignore_errors=True)


# -- running ---------------------------------------------------------------------------------------------


def run_process(
    argv: Sequence[str],
    *,
    cwd: str | None = None,
    timeout: float,
    max_output: int = DEFAULT_MAX_OUTPUT,
    env: Mapping[str, str] | None = None,
    on_start: Callable[[int], None] | None = None,
    marker: str | None = None,
    limits: ResourceLimits | None = None,
    pass_fds: Sequence[int] = (),
) -> ExecResult:
    """Run ``argv`` in a new session; past ``timeout`` kill its process group and every process carrying
    ``marker`` (exit 124). ``env`` (default: ours) always gains the owner marker and ``marker``.

    ``on_start(pid)`` (if given) learns the group id, so a sandbox can kill leftovers at cleanup.
    ``pass_fds`` stay open in the child (a wrapper such as ``bwrap --block-fd`` reads one).
    """
    buffer = TailBuffer(max_output)
    environment = dict(os.environ if env is None else env)
    for line in (owner_marker(), marker):
        if line:
            name, _, value = line.partition("=")
            environment[name] = value
    try:
        proc = subprocess.Popen(
            list(argv),
            cwd=cwd,
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=limits.preexec() if limits else None,
            pass_fds=tuple(pass_fds),
        )
    except OSError as exc:
        return ExecResult(f"could not start {argv[0]!r}: {exc}", 127)
    if on_start is not None:
        on_start(proc.pid)
    fd = proc.stdout.fileno()

    def pump() -> None:
        try:
            while True:
                chunk = os.read(fd, 65536)
                if not chunk:
                    break
                buffer.feed(chunk)
        except OSError:
            pass
        finally:
            buffer.feed(b"", final=True)
            proc.stdout.close()

    def kill_all() -> None:
        # Freeze the group first: from here on nothing in it forks, exits or writes, and a reaper in it
        # outlives what is below it until that is dead (the marker kill finds what left the group).
        kill_group(proc.pid, signal.SIGSTOP)
        if marker:
            kill_marked(marker)
        kill_group(proc.pid)
        if marker:
            kill_marked(marker)

    reader = threading.Thread(target=pump, name="hermes-output", daemon=True)
    reader.start()
    timed_out = False
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        kill_all()
        proc.wait()
    except BaseException:  # KeyboardInterrupt and friends: never leave the group running
        kill_all()
        proc.wait()
        raise
    if timed_out:
        reader.join(PIPE_GRACE)
        return ExecResult(buffer.text() + timeout_note(timeout), TIMEOUT_EXIT_CODE)
    # Background jobs (``server &``) may keep the pipe open: they are the agent's to keep, but we do not
    # wait for them beyond a short grace.
    reader.join(PIPE_GRACE)
    code = proc.returncode
    if code < 0:  # killed by a signal: report it the way a shell would
        code = 128 - code
    return ExecResult(buffer.text(), code)
