"""A trial's sandbox, made by the core's per-task table so that the ``hermes`` agent's terminal and file
tools (which ask :func:`hermes_core.sandboxes.sandbox_for` with the trial's task id) run in it too.

Everything here needs only :class:`~hermes_core.terminal.Sandbox.execute` and a POSIX shell in the image,
so any backend that can start an image (docker here; modal, singularity) runs a trial through the same
code. Harbor's own order and paths (``harbor/models/trial/paths.py``): ``/logs/agent``,
``/logs/verifier`` (reward.txt / reward.json), ``/tests``, ``/solution``.
"""

from __future__ import annotations

import io
import shlex
import tarfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from hermes_core import sandbox_files
from hermes_core.sandboxes import TaskOverrides, sandbox_for, sandbox_table
from hermes_core.terminal import KILL_MARKED_SCRIPT, TIMEOUT_EXIT_CODE, Sandbox, SandboxError, timeout_note
from hermes_env_harbor.images import PreparedImage
from hermes_env_harbor.task import HarborTask, TrialError

LOGS = PurePosixPath("/logs")
AGENT_LOGS = LOGS / "agent"
VERIFIER_LOGS = LOGS / "verifier"
TESTS = PurePosixPath("/tests")
SOLUTION = PurePosixPath("/solution")
NO_LIMIT = 24 * 3600.0
"""Seconds standing for Harbor's "no timeout" where a sandbox command needs a number."""
USER_MARK = "HERMES_HARBOR_RUN"
"""In the environment of every command run as another user: what finds its processes after a timeout."""


def sandbox_options(task: HarborTask, image: PreparedImage) -> dict[str, object]:
    """Backend options from ``[environment]``: the network and the limits the task declares (a limit it
    leaves out keeps the backend's own default, ``terminal.docker.*``)."""
    env = task.environment
    options: dict[str, object] = {"network": "bridge" if env.allow_internet else "none"}
    if env.cpus is not None:
        options["cpus"] = env.cpus
    if env.memory_mb is not None:
        options["memory"] = f"{env.memory_mb}m"
    if image.environment:
        options["environment"] = dict(image.environment)
    return options


def start_sandbox(task_id: str, task: HarborTask, image: PreparedImage, backend: str = "docker") -> Sandbox:
    """Create ``task_id``'s sandbox from ``image`` with the task's limits, and Harbor's log folders."""
    overrides = TaskOverrides(
        backend=backend, image=image.tag, cwd=image.workdir or "/", options=sandbox_options(task, image)
    )
    sandbox_table().set_overrides(task_id, overrides)
    try:
        sandbox = sandbox_for(task_id)
        make_log_folders(sandbox)
    except (SandboxError, OSError, ValueError) as exc:
        raise TrialError("environment_start_failed", f"task {task.name}: {exc}") from exc
    except Exception as exc:  # the backend's own errors (BackendUnavailable, docker's APIError)
        message = f"task {task.name}: {type(exc).__name__}: {exc}"
        raise TrialError("environment_start_failed", message) from exc
    return sandbox


def make_log_folders(sandbox: Sandbox) -> None:
    """Harbor's ``/logs/agent`` and ``/logs/verifier``, writable by whichever user runs the tests."""
    upload(sandbox, archive([], folders=(LOGS, AGENT_LOGS, VERIFIER_LOGS)))


def archive(sources: list[tuple[Path, PurePosixPath]], folders: tuple[PurePosixPath, ...] = ()) -> bytes:
    """A tar archive to unpack at ``/``: each ``(host directory, absolute target)`` with its files (modes
    kept, so a script stays executable; owned by root), and ``folders`` as empty folders anyone may
    write to (what Harbor's mounted log folders are)."""
    buffer = io.BytesIO()

    def owned_by_root(info: tarfile.TarInfo) -> tarfile.TarInfo:
        info.uid = info.gid = 0
        info.uname = info.gname = "root"
        return info

    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for folder in folders:
            info = owned_by_root(tarfile.TarInfo(str(folder).lstrip("/")))
            info.type, info.mode = tarfile.DIRTYPE, 0o777
            tar.addfile(info)
        for directory, target in sources:
            tar.add(directory, arcname=str(target).lstrip("/"), filter=owned_by_root)
    return buffer.getvalue()


def upload(sandbox: Sandbox, data: bytes) -> None:
    """Unpack ``data`` (see :func:`archive`) at ``/`` in the sandbox: a docker container takes it in one
    API call; any other sandbox gets it through the shell (base64 chunks, then ``tar -x``)."""
    put_archive = getattr(getattr(sandbox, "container", None), "put_archive", None)
    if put_archive is not None:
        if not put_archive("/", data):
            raise SandboxError("docker refused the archive")
        return
    path = f"/tmp/hermes-upload-{uuid.uuid4().hex[:12]}.tar"
    sandbox_files.write_bytes(sandbox, path, data)
    result = sandbox.execute(f"tar -xf {path} -C /; status=$?; rm -f {path}; exit $status", timeout=120)
    if result.exit_code != 0:
        raise SandboxError(f"cannot unpack the archive: {result.output.strip()}")


def as_user(
    command: str, user: str | None = None, env: dict[str, str] | None = None, shell: str = "sh"
) -> str:
    """``command`` with ``env`` exported, run by ``shell`` as ``user`` (``runuser``, else ``su``) when one
    is named; the status is the command's, and the shell goes on after it."""
    exports = "".join(f"export {name}={shlex.quote(value)}\n" for name, value in (env or {}).items())
    script = exports + command
    if not user or user in ("root", "0"):
        return f"(\n{script}\n)"
    u, s, sh = shlex.quote(user), shlex.quote(script), shlex.quote(shell)
    return (
        f"if command -v runuser >/dev/null 2>&1; then runuser -u {u} -- {sh} -c {s}; "
        f'else su -s "$(command -v {sh})" {u} -c {s}; fi'
    )


@contextmanager
def default_user(sandbox: Sandbox, user: str | None) -> Iterator[None]:
    """Every command given to ``sandbox`` meanwhile runs as ``user`` (``[agent] user``), whoever asks:
    the agent itself, or the core's terminal and file tools, which get this same sandbox object from the
    task table. Harbor's ``environment.with_default_user(task.config.agent.user)`` around the agent
    phase (``harbor/trial/trial.py``); the verifier and the uploads afterwards run as root again."""
    if not user or user in ("root", "0"):
        yield
        return
    own = vars(sandbox).get("execute")  # an execute set on the object itself, put back afterwards
    run_as_root = sandbox.execute
    shell = getattr(sandbox, "shell", None) or "sh"

    def execute(command: str, cwd: str | None = None, timeout: float | None = None):
        mark = uuid.uuid4().hex
        marked = f"export {USER_MARK}={mark}\n{as_user(command, user, shell=shell)}"
        result = run_as_root(marked, cwd=cwd, timeout=timeout)
        if result.exit_code == TIMEOUT_EXIT_CODE and result.output.endswith(" and was killed]"):
            kill_leftovers(run_as_root, user, mark)
        return result

    sandbox.execute = execute  # type: ignore[method-assign]  # this object only, for this phase only
    try:
        yield
    finally:
        if own is None:
            del sandbox.execute
        else:
            sandbox.execute = own  # type: ignore[method-assign]


def kill_leftovers(run_as_root, user: str, mark: str) -> None:
    """Kill, as ``user``, the processes a command run as ``user`` left behind past its timeout. The
    backend's own kill runs as root, and root in a container (no ``CAP_SYS_PTRACE``) may not read another
    user's ``/proc/PID/environ``, so it never finds them; ``user`` may."""
    script = f"sh -c {shlex.quote(KILL_MARKED_SCRIPT)} kill {USER_MARK}={mark}"
    try:
        run_as_root(as_user(script, user), timeout=30)
    except SandboxError:  # the sandbox is going anyway
        pass


@dataclass
class Ran:
    """A script's run: its exit status, whether it ran past its time, and the files it was asked to
    bring back (by name; absent when the file was not there)."""

    exit_code: int
    timed_out: bool
    files: dict[str, str]
    output: str


def run_script(sandbox: Sandbox, script: PurePosixPath, output: PurePosixPath, timeout: float | None, *,
               user: str | None = None, env: dict[str, str] | None = None,
               bring_back: tuple[PurePosixPath, ...] = (), before: str = "") -> Ran:  # fmt: skip
    """Harbor's way to run a task script: ``chmod +x`` as root, then ``(script) > output 2>&1`` as
    ``user`` with ``env``, under ``timeout``; ``before`` runs first (as root). One command in all: the
    files in ``bring_back`` (``output`` first) come back with it, or in a second one after a timeout."""
    limit = float(timeout) if timeout else NO_LIMIT
    files = (output, *bring_back)
    mark = uuid.uuid4().hex
    command = (
        f"{before}\nchmod +x {shlex.quote(str(script))}\nexport {USER_MARK}={mark}\n"
        f"{as_user(f'({shlex.quote(str(script))}) > {shlex.quote(str(output))} 2>&1', user, env)}\n"
        f"status=$?\n{tails_script(files)}\nexit $status"
    )
    result = sandbox.execute(command, timeout=limit)
    timed_out = result.exit_code == TIMEOUT_EXIT_CODE and result.output.endswith(timeout_note(limit))
    if timed_out and user and user not in ("root", "0"):
        kill_leftovers(sandbox.execute, user, mark)
    found = read_tails(sandbox, list(files)) if timed_out else parse_tails(result.output)
    return Ran(result.exit_code, timed_out, found, result.output)


FILE_MARK = "@@HERMES-FILE@@"


def tails_script(paths: tuple[PurePosixPath, ...] | list[PurePosixPath], limit: int = 10_000) -> str:
    """Shell that prints the last ``limit`` bytes of each existing file among ``paths`` (base64, after a
    marker line naming the file), for :func:`parse_tails`."""
    return "\n".join(
        f"if [ -f {shlex.quote(str(p))} ]; then echo {FILE_MARK} {shlex.quote(p.name)}; "
        f"tail -c {limit} {shlex.quote(str(p))} | base64 | tr -d '\\n'; echo; fi"
        for p in paths
    )


def parse_tails(output: str) -> dict[str, str]:
    found: dict[str, str] = {}
    lines = output.splitlines()
    for index, line in enumerate(lines[:-1]):
        if line.startswith(FILE_MARK + " "):
            data = sandbox_files.decode(lines[index + 1])
            found[line[len(FILE_MARK) + 1 :]] = data.decode("utf-8", errors="replace")
    return found


def read_tails(sandbox: Sandbox, paths: list[PurePosixPath]) -> dict[str, str]:
    """:func:`tails_script` run on its own."""
    return parse_tails(sandbox.execute(tails_script(paths), timeout=60).output)
