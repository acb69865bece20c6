"""``hermes doctor``: broken plugins, unavailable tools, a dead endpoint, a backend that cannot start."""

from __future__ import annotations

import json
import os
import socket
import subprocess

import pytest
from click.testing import CliRunner

from hermes_core.cli import cli
from hermes_core.hookspecs import hookimpl
from hermes_core.terminal import ExecResult, Sandbox, TerminalBackend
from hermes_core.tools import Tool
from hermes_core.toolsets import Toolset
from hermes_testkit.openai_server import ScriptedOpenAIServer

CLEANED: list[str] = []


class ShellSandbox(Sandbox):
    def __init__(self, task_id: str) -> None:
        self.task_id, self.cwd = task_id, os.getcwd()

    def execute(self, command, cwd=None, timeout=None):
        done = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=timeout)
        return ExecResult(done.stdout + done.stderr, done.returncode)

    def cleanup(self):
        CLEANED.append(self.task_id)


class ShellBackend(TerminalBackend):
    name = "shell"

    def create_sandbox(self, request):
        return ShellSandbox(request.task_id)


class DeadBackend(TerminalBackend):
    name = "dead"

    def create_sandbox(self, request):
        raise RuntimeError("cannot reach the sandbox service")


class GoodPlugin:
    @hookimpl
    def register_terminal_backends(self, register):
        register(ShellBackend)
        register(DeadBackend)

    @hookimpl
    def register_tools(self, register):
        register(Tool(name="echo", description="Echo.", handler=lambda a, t: a, toolset="basic"))
        register(
            Tool(
                name="search",
                description="Search.",
                handler=lambda a, t: a,
                requires_env=("DOCTOR_TEST_API_KEY",),
            )
        )

    @hookimpl
    def register_toolsets(self, register):
        register(Toolset(name="basic", tools=("echo", "search")))


class BrokenPlugin:
    @hookimpl
    def register_tools(self, register):
        raise RuntimeError("needs a package that is not installed")


@pytest.fixture
def setup(host, tmp_path, monkeypatch):
    monkeypatch.setenv("HERMES_HOME", str(tmp_path))
    cleared = ("OPENAI_API_KEY", "HERMES_TOOLSETS", "DOCTOR_TEST_API_KEY", "TERMINAL_CWD", "TERMINAL_TIMEOUT")
    for name in cleared:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HERMES_MODEL", "scripted-model")
    monkeypatch.setenv("TERMINAL_ENV", "shell")
    (tmp_path / "config.yaml").write_text("toolsets: [basic]\n")
    host.register(GoodPlugin(), name="hermes-doctor-good")
    host.register(BrokenPlugin(), name="hermes-doctor-broken")
    with ScriptedOpenAIServer() as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        yield server


def doctor(*args: str):
    result = CliRunner().invoke(cli, ["doctor", "--json", *args])
    return result.exit_code, json.loads(result.output)


def find(report, section, subject):
    return next(f for f in report["findings"] if f["section"] == section and f["subject"].startswith(subject))


def test_reports_plugins_tools_endpoint_and_backend(setup):
    code, report = doctor()
    assert code == 1 and report["ok"] is False  # the broken plugin is a failure
    assert find(report, "plugins", "hermes-doctor-good")["status"] == "ok"
    broken = find(report, "plugins", "hermes-doctor-broken")
    assert broken["status"] == "fail" and "needs a package that is not installed" in broken["detail"]
    search = find(report, "tools", "search")
    assert search["status"] == "warn" and "DOCTOR_TEST_API_KEY" in search["detail"]
    assert find(report, "endpoint", setup.base_url)["status"] == "ok"
    assert find(report, "endpoint", "scripted-model")["status"] == "ok"
    terminal = find(report, "terminal", "shell")
    assert terminal["status"] == "ok" and "echo ok" in terminal["detail"]
    assert CLEANED and CLEANED[-1].startswith("doctor-")  # the test sandbox was cleaned up


def test_all_good_exits_zero(setup, host, monkeypatch):
    host.records["hermes-doctor-broken"].status = "disabled"
    monkeypatch.setenv("DOCTOR_TEST_API_KEY", "x")
    code, report = doctor()
    assert code == 0 and report["ok"], report
    text = CliRunner().invoke(cli, ["doctor"]).output
    assert "all good" in text and "✓ shell" in text


def test_dead_endpoint_and_backend_that_cannot_start(setup, monkeypatch):
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("OPENAI_BASE_URL", f"http://127.0.0.1:{port}/v1")
    monkeypatch.setenv("TERMINAL_ENV", "dead")
    code, report = doctor("--timeout", "2")
    assert code == 1
    endpoint = find(report, "endpoint", f"http://127.0.0.1:{port}")
    assert endpoint["status"] == "fail" and "does not answer" in endpoint["detail"]
    terminal = find(report, "terminal", "dead")
    assert terminal["status"] == "fail" and "cannot reach the sandbox service" in terminal["detail"]


def test_unknown_backend_names_the_installed_ones(setup, monkeypatch):
    monkeypatch.setenv("TERMINAL_ENV", "nosuch")
    _, report = doctor("--offline")
    terminal = find(report, "terminal", "nosuch")
    assert terminal["status"] == "fail" and "dead, shell" in terminal["detail"]
    assert not [f for f in report["findings"] if f["section"] == "endpoint"]


def test_endpoint_not_configured_is_a_warning(setup, monkeypatch):
    monkeypatch.delenv("OPENAI_BASE_URL")
    _, report = doctor("--no-backend")
    assert find(report, "endpoint", "model.base_url")["status"] == "warn"
    assert not [f for f in report["findings"] if f["section"] == "terminal"]


def test_broken_config_is_reported_not_raised(setup, tmp_path):
    (tmp_path / "config.yaml").write_text("terminal:\n  timeout: soon\n")
    code, report = doctor("--offline", "--no-backend")
    assert code == 1
    assert any("terminal.timeout" in f["detail"] for f in report["findings"] if f["section"] == "config")


def test_warnings_are_not_called_all_good(setup, host, monkeypatch):
    """A `!` line and "all good" never appear together."""
    host.records["hermes-doctor-broken"].status = "disabled"  # no failure left, only the warning below
    code, report = doctor()
    assert code == 0 and find(report, "tools", "search")["status"] == "warn"
    text = CliRunner().invoke(cli, ["doctor"]).output
    assert "all good" not in text and "1 warning(s)" in text
    monkeypatch.setenv("DOCTOR_TEST_API_KEY", "x")  # the warning's cause gone
    assert "all good" in CliRunner().invoke(cli, ["doctor"]).output


class NamesTerminal:
    """A toolset naming the terminal tool, whose plugin (hermes-tools-terminal) is not on the host."""

    @hookimpl
    def register_toolsets(self, register):
        register(Toolset(name="mine", tools=("terminal",)))


def test_a_minimal_install_says_what_brings_the_default_tools(host, tmp_path, monkeypatch):
    """The core alone (issue 23.6): the empty default toolset is a warning naming what to install, and a
    first-party tool the configured toolsets name is too."""
    import hermes_core.builtin

    monkeypatch.setenv("HERMES_HOME", str(tmp_path))
    monkeypatch.delenv("HERMES_TOOLSETS", raising=False)
    host.register(hermes_core.builtin, name="hermes-kernel")
    _, report = doctor("--offline", "--no-backend")
    toolsets = find(report, "tools", "toolsets")
    assert toolsets["status"] == "warn"
    assert toolsets["detail"] == "default: 0 tools (pip install hermes-tools-terminal hermes-tools-web)"
    host.register(NamesTerminal(), name="hermes-doctor-listing")
    (tmp_path / "config.yaml").write_text("toolsets: [mine]\n")
    _, report = doctor("--offline", "--no-backend")
    terminal = find(report, "tools", "terminal")
    assert terminal["status"] == "warn" and "pip install hermes-tools-terminal" in terminal["detail"]
