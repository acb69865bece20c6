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
from pathlib import Path, PurePosixPath

from hermes_core import sandbox_files
from hermes_core.sandboxes import TaskOverrides, sandbox_for, sandbox_table
from hermes_core.terminal import ExecResult, Sandbox, SandboxError, timeout_note
from hermes_env_harbor.images import PreparedImage
from hermes_env_harbor.task import HarborTask, TrialError

LOGS = PurePosixPath("/logs")
AGENT_LOGS = LOGS / "agent"
VERIFIER_LOGS = LOGS / "verifier"
TESTS = PurePosixPath("/tests")
SOLUTION = PurePosixPath("/solution")
NO_LIMIT = 24 * 3600.0
"""Seconds standing for Harbor's "no timeout" where a sandbox command needs a number."""


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
        result = make_log_folders(sandbox)
    except (SandboxError, OSError, ValueError) as exc:
        raise TrialError("environment_start_failed", f"task {task.name}: {exc}") from exc
    except Exception as exc:  # the backend's own errors (BackendUnavailable, docker's APIError)
        message = f"task {task.name}: {type(exc).__name__}: {exc}"
        raise TrialError("environment_start_failed", message) from exc
    if result.exit_code != 0:
        message = f"task {task.name}: cannot create {LOGS}: {result.output}"
        raise TrialError("environment_start_failed", message)
    return sandbox


def make_log_folders(sandbox: Sandbox) -> ExecResult:
    """Harbor's ``/logs/agent`` and ``/logs/verifier``, writable by whichever user runs the tests."""
    return sandbox.execute(
        f"mkdir -p {AGENT_LOGS} {VERIFIER_LOGS} && chmod 777 {AGENT_LOGS} {VERIFIER_LOGS}", timeout=60
    )


def tar_directory(directory: Path) -> bytes:
    """``directory``'s content as a tar archive (modes kept: a script stays executable)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for path in sorted(directory.rglob("*")):
            archive.add(path, arcname=path.relative_to(directory).as_posix(), recursive=False)
    return buffer.getvalue()


def upload_directory(sandbox: Sandbox, directory: Path, target: PurePosixPath) -> None:
    """Copy ``directory``'s files under ``target`` in the sandbox (created if missing).

    A docker container takes the archive in one API call; any other sandbox gets it through the shell.
    """
    data = tar_directory(directory)
    quoted = shlex.quote(str(target))
    made = sandbox.execute(f"mkdir -p {quoted}", timeout=60)
    if made.exit_code != 0:
        raise SandboxError(f"cannot create {target}: {made.output.strip()}")
    put_archive = getattr(getattr(sandbox, "container", None), "put_archive", None)
    if put_archive is not None:
        if not put_archive(str(target), data):
            raise SandboxError(f"docker refused the archive for {target}")
        return
    archive = f"/tmp/hermes-upload-{uuid.uuid4().hex[:12]}.tar"
    sandbox_files.write_bytes(sandbox, archive, data)
    unpack = f"tar -xf {archive} -C {quoted}; status=$?; rm -f {archive}; exit $status"
    result = sandbox.execute(unpack, timeout=120)
    if result.exit_code != 0:
        raise SandboxError(f"cannot unpack into {target}: {result.output.strip()}")


def as_user(command: str, user: str | None = None, env: dict[str, str] | None = None) -> str:
    """``command`` with ``env`` exported, run as ``user`` (``runuser``, else ``su``) when one is named."""
    exports = "".join(f"export {name}={shlex.quote(value)}\n" for name, value in (env or {}).items())
    script = exports + command
    if not user or user in ("root", "0"):
        return script
    u, s = shlex.quote(user), shlex.quote(script)
    return (
        f"if command -v runuser >/dev/null 2>&1; then exec runuser -u {u} -- sh -c {s}; "
        f"else exec su -s /bin/sh {u} -c {s}; fi"
    )


def run(sandbox: Sandbox, command: str, timeout: float | None, *, user: str | None = None,
        env: dict[str, str] | None = None) -> tuple[ExecResult, bool]:  # fmt: skip
    """Run ``command`` (as ``user`` with ``env``); ``(result, timed_out)``."""
    limit = float(timeout) if timeout else NO_LIMIT
    result = sandbox.execute(as_user(command, user, env), timeout=limit)
    return result, result.exit_code == 124 and result.output.endswith(timeout_note(limit))


FILE_MARK = "@@HERMES-FILE@@"


def read_tails(sandbox: Sandbox, paths: list[PurePosixPath], limit: int = 10_000) -> dict[str, str]:
    """The last ``limit`` bytes of each existing file among ``paths``, by file name, in one command
    (base64 per file, so any content survives the trip)."""
    script = "; ".join(
        f"if [ -f {shlex.quote(str(p))} ]; then echo {FILE_MARK} {shlex.quote(p.name)}; "
        f"tail -c {limit} {shlex.quote(str(p))} | base64 | tr -d '\\n'; echo; fi"
        for p in paths
    )
    result = sandbox.execute(script, timeout=60)
    found: dict[str, str] = {}
    lines = result.output.splitlines()
    for index, line in enumerate(lines[:-1]):
        if line.startswith(FILE_MARK + " "):
            data = sandbox_files.decode(lines[index + 1])
            found[line[len(FILE_MARK) + 1 :]] = data.decode("utf-8", errors="replace")
    return found
