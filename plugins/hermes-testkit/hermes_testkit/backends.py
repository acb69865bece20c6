"""Conformance suite for terminal backends: subclass :class:`BackendConformance` once per backend.

::

    from hermes_testkit.backends import BackendConformance

    class TestMyBackend(BackendConformance):
        backend_name = "mine"

Every behaviour the :mod:`hermes_core.terminal` contract promises is checked through the public
``create`` / ``execute`` / ``cleanup`` interface only, so a backend that passes behaves like the others
for the ``terminal`` and file tools. A backend that cannot run here (no engine, no token) is skipped with
its ``unavailable_reason()``; override :meth:`make_backend` to test against a fake.

:class:`ShellBackend` is a real backend in a few lines (``bash`` in a host folder, through the core's
process runner) for tests of what sits *above* backends — the pool, the sandbox table — that must run
with hermes-kernel alone.
"""

from __future__ import annotations

import os
import shutil
import time
import uuid
from typing import Any, ClassVar

import pytest

from hermes_core.terminal import (
    TIMEOUT_EXIT_CODE,
    ExecResult,
    Sandbox,
    SandboxRequest,
    TerminalBackend,
    new_exec_marker,
    shell_command,
)


class ShellSandbox(Sandbox):
    """``bash -c`` in a host folder with a clean environment; a timeout kills all the command started."""

    def __init__(self, request: SandboxRequest, root: str, owns: bool) -> None:
        self.task_id, self.cwd, self._owns = request.task_id, root, owns
        self.timeout, self.max_output = request.timeout, request.max_output
        self.closed = False

    def execute(self, command: str, cwd: str | None = None, timeout: float | None = None) -> ExecResult:
        from hermes_core.process import clean_environment, run_process

        workdir = os.path.join(self.cwd, cwd) if cwd else self.cwd
        argv = ["bash", "-c", shell_command(command, workdir)]
        return run_process(
            argv,
            timeout=self.limit(timeout),
            max_output=self.max_output,
            env=clean_environment(),
            marker=new_exec_marker(),
        )

    def cleanup(self) -> None:
        if not self.closed and self._owns:
            shutil.rmtree(self.cwd, ignore_errors=True)
        self.closed = True

    def is_alive(self) -> bool:
        return not self.closed


class ShellBackend(TerminalBackend):
    """The smallest real backend: ``request.cwd`` (created, kept) or a fresh reclaimable temp folder."""

    name = "shell"

    def create_sandbox(self, request: SandboxRequest) -> Sandbox:
        from hermes_core.process import owned_tempdir

        if request.cwd:
            os.makedirs(request.cwd, exist_ok=True)
            return ShellSandbox(request, request.cwd, owns=False)
        return ShellSandbox(request, owned_tempdir(request.task_id), owns=True)


class BackendConformance:
    """Set ``backend_name``; override :meth:`make_backend` / ``create_options`` when needed."""

    backend_name: ClassVar[str] = ""
    create_options: ClassVar[dict[str, Any]] = {}
    sandbox_timeout: ClassVar[float] = 60.0
    timeout_slack: ClassVar[float] = 15.0
    """How much longer than the timeout a killed command may take to come back (remote backends)."""

    # -- hooks for subclasses ------------------------------------------------------------------------

    def make_backend(self) -> TerminalBackend:
        from hermes_core.plugins import get_hermes

        backend = get_hermes().backends.get(self.backend_name)()
        reason = backend.unavailable_reason()
        if reason:
            pytest.skip(f"backend {self.backend_name!r} unavailable here: {reason}")
        return backend

    def new_sandbox(self, backend: TerminalBackend, task_id: str | None = None, **options: Any) -> Sandbox:
        task_id = task_id or f"conformance-{uuid.uuid4().hex[:8]}"
        merged = {**self.create_options, **options}
        merged.setdefault("timeout", self.sandbox_timeout)
        return backend.create(task_id, **merged)

    # -- fixtures ------------------------------------------------------------------------------------

    @pytest.fixture
    def backend(self):
        backend = self.make_backend()
        yield backend
        backend.close()

    @pytest.fixture
    def sandbox(self, backend):
        sandbox = self.new_sandbox(backend)
        yield sandbox
        sandbox.cleanup()

    # -- the contract --------------------------------------------------------------------------------

    def test_echo(self, sandbox):
        result = sandbox.execute("echo hello")
        assert result.exit_code == 0
        assert result.output.strip() == "hello"

    def test_stderr_is_captured(self, sandbox):
        result = sandbox.execute("echo out; echo err >&2")
        assert "out" in result.output and "err" in result.output

    def test_exit_codes(self, sandbox):
        assert sandbox.execute("exit 3").exit_code == 3
        assert sandbox.execute("false").exit_code == 1
        assert sandbox.execute("true").exit_code == 0

    def test_cwd(self, sandbox):
        base = sandbox.execute("pwd").output.strip()
        assert base, "pwd printed nothing"
        assert sandbox.execute("mkdir -p 'sub dir' && echo made").exit_code == 0
        relative = sandbox.execute("pwd", cwd="sub dir")
        assert relative.exit_code == 0 and relative.output.strip() == f"{base}/sub dir"
        absolute = sandbox.execute("pwd", cwd=f"{base}/sub dir")
        assert absolute.output.strip() == f"{base}/sub dir"

    def test_cd_inside_a_command(self, sandbox):
        base = sandbox.execute("pwd").output.strip()
        result = sandbox.execute("mkdir -p inner && cd inner && pwd")
        assert result.exit_code == 0 and result.output.strip() == f"{base}/inner"
        assert sandbox.execute("pwd").output.strip() == base, "each command starts in the task's directory"

    def test_timeout_exit_124_with_message(self, sandbox):
        start = time.monotonic()
        result = sandbox.execute("echo before; sleep 30", timeout=1)
        elapsed = time.monotonic() - start
        assert result.exit_code == TIMEOUT_EXIT_CODE
        assert "timed out" in result.output
        assert "before" in result.output
        assert elapsed < 1 + self.timeout_slack

    # The child below writes LATE seconds after it starts; the command times out after 1 s. A child that
    # survives writes its file; one killed with the command does not. The ways out of the kill: the
    # background job stays in the command's group, a ``setsid`` child leaves the group but keeps the
    # environment markers, ``setsid env -i`` drops both (only its parent link is left; a loaded machine
    # showed a plain setsid child caught mid-execve looking the same).
    LATE = 6
    LATE_WRITER = "sh -c 'sleep {late}; echo leaked > late.txt' > /dev/null 2>&1 < /dev/null &"

    STARTS = {"background": "", "setsid": "setsid ", "env-i": "setsid env -i "}

    @pytest.mark.parametrize("start", STARTS.values(), ids=STARTS.keys())
    def test_timeout_kills_what_the_command_started(self, sandbox, start):
        child = start + self.LATE_WRITER.format(late=self.LATE)
        result = sandbox.execute(f"{child} sleep 30", timeout=1)
        assert result.exit_code == TIMEOUT_EXIT_CODE
        time.sleep(self.LATE + 0.5)
        assert sandbox.execute("test -e late.txt").exit_code != 0, f"a {start or 'background '}child survived"

    def test_output_cap_keeps_tail_with_note(self, backend):
        sandbox = self.new_sandbox(backend, max_output=1000)
        try:
            result = sandbox.execute(
                "i=0; while [ $i -lt 600 ]; do echo line-$i; i=$((i+1)); done; echo THE-END"
            )
            assert result.exit_code == 0
            assert result.output.rstrip().endswith("THE-END")
            assert "truncated" in result.output
            assert "line-0\n" not in result.output
            assert len(result.output) < 1200
        finally:
            sandbox.cleanup()

    def test_cleanup_is_idempotent(self, backend):
        sandbox = self.new_sandbox(backend)
        assert sandbox.execute("echo ok").exit_code == 0
        sandbox.cleanup()
        sandbox.cleanup()

    def test_task_isolation(self, backend):
        first = self.new_sandbox(backend, task_id=f"iso-a-{uuid.uuid4().hex[:6]}")
        second = self.new_sandbox(backend, task_id=f"iso-b-{uuid.uuid4().hex[:6]}")
        try:
            assert first.execute("echo secret > mine.txt").exit_code == 0
            assert first.execute("cat mine.txt").output.strip() == "secret"
            assert second.execute("test -e mine.txt").exit_code != 0, "tasks share a working directory"
        finally:
            first.cleanup()
            second.cleanup()

    def test_hostile_task_id(self, backend, tmp_path):
        marker = "hermes-conformance-marker"
        hostile = f"x; rm -rf / ; touch /tmp/pwned-{marker} #$(touch /tmp/pwned2-{marker})'\"`id`"
        sandbox = self.new_sandbox(backend, task_id=hostile)
        try:
            assert sandbox.execute("echo alive").output.strip() == "alive"
            assert (
                sandbox.execute(f"test -e /tmp/pwned-{marker} || test -e /tmp/pwned2-{marker}").exit_code != 0
            )
        finally:
            sandbox.cleanup()

    def test_our_keys_do_not_reach_commands(self, backend, monkeypatch):
        """hermes's environment holds API keys; a command the model writes must not see them."""
        monkeypatch.setenv("OPENAI_API_KEY", "sk-conformance-do-not-leak")
        sandbox = self.new_sandbox(backend)
        try:
            result = sandbox.execute("echo key=${OPENAI_API_KEY:-none}")
            assert result.output.strip() == "key=none"
        finally:
            sandbox.cleanup()

    def test_quoted_arguments_survive(self, sandbox):
        result = sandbox.execute("""printf '%s|' "a b" 'c"d' "e'f" '$HOME'""")
        assert result.output == """a b|c"d|e'f|$HOME|"""
