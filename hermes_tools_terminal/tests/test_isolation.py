"""Issue 22, items 1 and 5: a local command cannot read hermes's secrets (bwrap), and nothing it starts
survives cleanup or a timeout, whatever it does to its environment or session (bwrap's PID namespace,
or the child subreaper where bwrap is not available). Real processes, counted from outside."""

from __future__ import annotations

import json
import os
import shutil

import pytest
from click.testing import CliRunner

from hermes_core.cli import cli
from hermes_tools_terminal import isolation, local
from hermes_tools_terminal.local import LocalBackend

ESCAPES = {
    "setsid env -i": "setsid env -i sleep {arg}",
    "setsid env -u markers": (
        "setsid env -u HERMES_SANDBOX_ID -u HERMES_EXEC_ID -u HERMES_SANDBOX_OWNER sleep {arg}"
    ),
    "setsid exec -c": "setsid bash -c 'exec -c sleep {arg}'",
    "double fork, env -i": "( setsid env -i sh -c 'sleep {arg} & exit' & )",
}
MODES = ["bwrap", "none"]


@pytest.fixture(params=MODES)
def mode(request):
    if request.param == "bwrap" and isolation.bwrap_problem():
        pytest.skip(isolation.bwrap_problem())
    return request.param


def _quiet(command: str) -> str:
    return f"{command} > /dev/null 2>&1 < /dev/null &"


@pytest.mark.parametrize("escape", ESCAPES)
def test_escaped_processes_are_gone_after_cleanup(mode, escape, sleepers):
    sandbox = LocalBackend(isolation=mode).create(f"escape-{mode}")
    assert sandbox.isolation == mode
    arg = sleepers.new()
    result = sandbox.execute(_quiet(ESCAPES[escape].format(arg=arg)))
    assert result.exit_code == 0, result.output
    before = sleepers.wait_started(arg)
    sandbox.cleanup()
    after = sleepers.wait_gone(arg)
    print(f"[{mode}] {escape}: running before cleanup {before}, after {after}")
    assert (before, after) == (1, 0)


def test_escaped_processes_are_gone_after_a_timeout(mode, sleepers):
    sandbox = LocalBackend(isolation=mode).create(f"escape-timeout-{mode}")
    try:
        args = {name: sleepers.new() for name in ESCAPES}
        started = " && ".join(
            f"until grep -qs '{a[0]}[{a[1]}]{a[2:]}' /proc/[0-9]*/cmdline; do sleep 0.05; done"
            for a in args.values()
        )
        escapes = " ".join(_quiet(ESCAPES[name].format(arg=a)) for name, a in args.items())
        result = sandbox.execute(f"{escapes} {started}; echo all-running; sleep 60", timeout=10)
        assert result.exit_code == 124 and "all-running" in result.output, result.output
        assert {name: sleepers.wait_gone(a) for name, a in args.items()} == dict.fromkeys(ESCAPES, 0)
    finally:
        sandbox.cleanup()


def test_background_jobs_still_live_between_commands(mode, sleepers):
    sandbox = LocalBackend(isolation=mode).create(f"bg-{mode}")
    try:
        arg = sleepers.new()
        assert sandbox.execute(_quiet(f"sleep {arg}")).exit_code == 0
        assert sandbox.execute("echo next").output == "next\n"
        assert sleepers.wait_started(arg) == 1
    finally:
        sandbox.cleanup()
    assert sleepers.wait_gone(arg) == 0


def test_hermes_secrets_are_out_of_reach(tmp_path, monkeypatch):
    if isolation.bwrap_problem():
        pytest.skip(isolation.bwrap_problem())
    home = tmp_path / "hermes-home"
    home.mkdir()
    (home / ".env").write_text("ANTHROPIC_KEY=sk-ant-never-readable-0123456789\n", encoding="utf-8")
    monkeypatch.setenv("HERMES_HOME", str(home))
    monkeypatch.setenv("OPENAI_API_KEY", "sk-parent-environ-0123456789")
    work = home / "tasks" / "t1"  # a task folder inside the hidden home stays usable
    sandbox = LocalBackend(isolation="bwrap").create("secrets", cwd=str(work))
    try:
        dump = sandbox.execute(
            "cat /proc/[0-9]*/environ | tr '\\0' '\\n'; cat /proc/$PPID/environ; "
            f"cat {home}/.env; ls -a {home}; cat ~/.hermes/.env; echo listed: $(ls /proc | grep -c '^[0-9]')"
        ).output
        assert "sk-ant-never-readable" not in dump and "sk-parent-environ" not in dump, dump
        assert int(dump.rsplit("listed: ", 1)[1]) < 10, "host processes are visible"
        assert sandbox.execute("echo hi > f && cat f && pwd").output == f"hi\n{work}\n"
        assert (work / "f").read_text() == "hi\n"
        assert sandbox.execute("cat .env", cwd=str(home)).exit_code != 0  # no way in through cwd
    finally:
        sandbox.cleanup()


def test_without_bwrap_auto_falls_back_and_bwrap_is_an_error(monkeypatch, sleepers):
    monkeypatch.setattr(isolation, "_probed", {"bwrap": "bwrap is not installed (test)"})
    assert "bwrap is not installed (test)" in LocalBackend(isolation="bwrap").unavailable_reason()
    monkeypatch.setenv("TERMINAL_LOCAL_ISOLATION", "bwrap")
    isolated, detail = LocalBackend.isolation_report()
    assert not isolated and "bwrap is not installed (test)" in detail
    monkeypatch.setenv("TERMINAL_LOCAL_ISOLATION", "auto")
    isolated, detail = LocalBackend.isolation_report()
    assert not isolated and "unisolated" in detail and "bwrap is not installed (test)" in detail
    sandbox = LocalBackend().create("fallback")
    arg = sleepers.new()
    assert sandbox.isolation == "none"
    assert sandbox.execute(_quiet(f"setsid env -i sleep {arg}")).exit_code == 0
    assert sleepers.wait_started(arg) == 1
    sandbox.cleanup()
    assert sleepers.wait_gone(arg) == 0


def test_a_bad_isolation_setting_is_one_clear_line(monkeypatch):
    reason = LocalBackend(isolation="chroot").unavailable_reason()
    assert reason == "terminal.local.isolation must be one of auto, bwrap, none, not 'chroot'"


def _doctor_isolation() -> dict:
    result = CliRunner().invoke(cli, ["doctor", "--offline", "--json", "--backend-timeout", "60"])
    findings = json.loads(result.output)["findings"]
    return next(f for f in findings if f["subject"] == "local isolation")


def test_doctor_says_whether_local_commands_are_isolated(monkeypatch, tmp_path):
    monkeypatch.setenv("HERMES_HOME", str(tmp_path))
    monkeypatch.setenv("TERMINAL_ENV", "local")
    monkeypatch.delenv("TERMINAL_CWD", raising=False)
    monkeypatch.setenv("TERMINAL_LOCAL_ISOLATION", "none")
    finding = _doctor_isolation()
    assert finding["status"] == "warn" and "unisolated" in finding["detail"]
    monkeypatch.setenv("TERMINAL_LOCAL_ISOLATION", "auto")
    monkeypatch.setattr(isolation, "_probed", {"bwrap": "bwrap does not work here: (test)"})
    finding = _doctor_isolation()
    assert finding["status"] == "warn" and "bwrap does not work here: (test)" in finding["detail"]
    monkeypatch.setattr(isolation, "_probed", {"bwrap": None})
    assert _doctor_isolation()["status"] == "ok"


@pytest.fixture
def flaky_bwrap(tmp_path, monkeypatch):
    """A ``bwrap`` first on PATH that fails its set-up as often as ``fails`` says (as the real one does
    when a host mount moves under it), then runs the real one. Returns ``(set_fails, calls)``."""
    real = shutil.which("bwrap")
    if real is None or isolation.bwrap_problem():
        pytest.skip(isolation.bwrap_problem() or "bwrap is not installed")
    folder = tmp_path / "bin"
    folder.mkdir()
    fails, calls = tmp_path / "fails", tmp_path / "calls"
    fails.write_text("0")
    script = folder / "bwrap"
    script.write_text(
        "#!/bin/sh\n"
        f"echo x >> {calls}\n"
        f'n=$(cat {fails}); if [ "$n" -gt 0 ]; then echo $((n - 1)) > {fails}\n'
        '  echo "bwrap: Can\'t bind mount /oldroot/ on /newroot/: Invalid argument" >&2; exit 1; fi\n'
        f'exec {real} "$@"\n'
    )
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{folder}:{os.environ['PATH']}")
    return (lambda n: fails.write_text(str(n))), (
        lambda: len(calls.read_text().split()) if calls.exists() else 0
    )


@pytest.fixture
def flaky_sandbox(flaky_bwrap):
    sandbox = LocalBackend(isolation="bwrap").create("flaky-bwrap")
    yield sandbox
    sandbox.cleanup()


def test_a_failed_bwrap_set_up_is_retried_and_the_command_runs_once(flaky_bwrap, flaky_sandbox):
    set_fails, calls = flaky_bwrap
    set_fails(local.SETUP_ATTEMPTS - 1)
    result = flaky_sandbox.execute("echo ran >> log; cat log")
    assert (result.output, result.exit_code) == ("ran\n", 0)
    assert calls() == local.SETUP_ATTEMPTS


def test_a_command_that_ran_and_failed_is_not_run_again(flaky_bwrap, flaky_sandbox):
    _, calls = flaky_bwrap
    result = flaky_sandbox.execute("echo ran >> log; echo 'bwrap: looks like set-up' >&2; exit 1")
    assert result.exit_code == 1 and calls() == 1
    assert flaky_sandbox.execute("cat log").output == "ran\n"


def test_a_set_up_that_keeps_failing_says_the_command_did_not_run(flaky_bwrap, flaky_sandbox):
    set_fails, calls = flaky_bwrap
    set_fails(local.SETUP_ATTEMPTS)
    result = flaky_sandbox.execute("echo ran >> log")
    assert result.exit_code == 1 and calls() == local.SETUP_ATTEMPTS
    assert result.output.splitlines() == [
        "bwrap: Can't bind mount /oldroot/ on /newroot/: Invalid argument",
        f"[bwrap could not set up the sandbox in {local.SETUP_ATTEMPTS} tries: the command did not run]",
    ]
    assert not os.path.exists(os.path.join(flaky_sandbox.cwd, "log"))


def test_the_probe_rides_out_a_failed_set_up_but_not_a_lasting_one(flaky_bwrap):
    set_fails, calls = flaky_bwrap
    set_fails(isolation.PROBE_ATTEMPTS - 1)
    assert isolation._probe() is None and calls() == isolation.PROBE_ATTEMPTS
    set_fails(isolation.PROBE_ATTEMPTS)
    problem = isolation._probe()
    assert (
        problem
        == "bwrap does not work here: bwrap: Can't bind mount /oldroot/ on /newroot/: Invalid argument"
    )
