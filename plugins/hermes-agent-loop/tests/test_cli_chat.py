"""``hermes chat`` against the scripted loopback OpenAI server: over a pipe, in-process, and in a real
pseudo-terminal (pexpect) where Ctrl-C must interrupt one turn, kill its command, and keep the session."""

from __future__ import annotations

import importlib
import io
import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from rich.console import Console

try:
    from pexpect import EOF
except ImportError:  # the pseudo-terminal tests skip themselves
    EOF = None

from hermes_testkit.openai_server import reply
from hermes_testkit.processes import gone

PLUGIN = "hermes-chat-testplugin"
MODULE = "hermes_chat_testplugin"
SECRET = "sk-chat-test-0123456789abcdefgh"
PROMPT = ">"  # prompt_toolkit draws "> " as ">" and a cursor move

PLUGIN_SOURCE = textwrap.dedent(
    '''
    """A terminal backend whose cleanup kills the command and leaves a marker, and two tools."""
    import os
    import signal
    import subprocess

    from hermes_core import hookimpl
    from hermes_core.terminal import ExecResult, Sandbox, TerminalBackend
    from hermes_core.tools import Tool
    from hermes_core.toolsets import Toolset


    class ProcSandbox(Sandbox):
        def __init__(self, task_id):
            self.task_id, self.cwd, self.procs = task_id, os.getcwd(), []

        def execute(self, command, cwd=None, timeout=None):
            proc = subprocess.Popen(
                ["bash", "-c", command], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                start_new_session=True,
            )
            self.procs.append(proc)
            out, _ = proc.communicate()
            return ExecResult(out, proc.returncode)

        def cleanup(self):
            for proc in self.procs:
                if proc.poll() is None:
                    os.killpg(proc.pid, signal.SIGKILL)
            markers = os.environ.get("CHAT_TEST_MARKERS")
            if markers:
                open(os.path.join(markers, "cleaned-" + self.task_id), "w").close()


    class ProcBackend(TerminalBackend):
        name = "proc"

        def create_sandbox(self, request):
            return ProcSandbox(request.task_id)


    def shell(args, task_id):
        from hermes_core.sandboxes import sandbox_for

        return sandbox_for(task_id).execute(args["command"]).to_dict()


    SCHEMA = {"type": "object", "properties": {"command": {"type": "string"}}, "required": ["command"]}


    @hookimpl
    def register_terminal_backends(register):
        register(ProcBackend)


    @hookimpl
    def register_tools(register):
        register(Tool(name="shell", description="Run a command.", parameters=SCHEMA, handler=shell))
        register(
            Tool(name="whoami", description="Tell the key.", handler=lambda a, t: os.environ["CHAT_TEST_KEY"])
        )


    @hookimpl
    def register_toolsets(register):
        register(Toolset(name="chattest", tools=("shell", "whoami")))
        register(Toolset(name="keyonly", tools=("whoami",)))
    '''
)


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """A folder on PYTHONPATH holding the test plugin and its dist-info (so entry points find it)."""
    root = tmp_path_factory.mktemp("chat-site")
    (root / MODULE).mkdir()
    (root / MODULE / "__init__.py").write_text(PLUGIN_SOURCE)
    info = root / f"{MODULE}-0.1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {PLUGIN}\nVersion: 0.1.0\n")
    (info / "entry_points.txt").write_text(f"[hermes]\n{PLUGIN} = {MODULE}\n")
    return root


@pytest.fixture
def chat_env(site, server, tmp_path) -> dict[str, str]:
    """Environment for a ``hermes chat`` subprocess: private home, only the test plugin loaded."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HERMES_", "TERMINAL_", "OPENAI_"))}
    markers = tmp_path / "markers"
    markers.mkdir()
    env.update(
        PYTHONPATH=os.pathsep.join([str(site), env.get("PYTHONPATH", "")]).rstrip(os.pathsep),
        HERMES_HOME=str(tmp_path / "home"),
        HERMES_LOAD_PLUGINS=f"{PLUGIN},hermes-agent-loop",  # the test plugin, and the agent's commands
        HERMES_TOOLSETS="chattest",
        TERMINAL_ENV="proc",
        OPENAI_BASE_URL=server.base_url,
        OPENAI_API_KEY=SECRET,
        HERMES_MODEL="scripted-model",
        CHAT_TEST_KEY=SECRET,
        CHAT_TEST_MARKERS=str(markers),
        PROMPT_TOOLKIT_NO_CPR="1",
        TERM="xterm-256color",
        COLUMNS="160",
    )
    return env


# -- in-process, over a "pipe" ------------------------------------------------------------------------


@pytest.fixture
def session_factory(site, server, host, tmp_path, monkeypatch):
    """``make(**flags) -> (session, console_text, answers_text)`` on a host holding only the test plugin."""
    from hermes_agent_loop.cli.chat import ChatSession
    from hermes_agent_loop.cli.settings import RunSettings

    monkeypatch.syspath_prepend(str(site))
    host.register(importlib.import_module(MODULE), name=PLUGIN)
    monkeypatch.setenv("HERMES_HOME", str(tmp_path / "home"))
    for name in ("HERMES_TOOLSETS", "HERMES_MODEL", "OPENAI_API_KEY", "TERMINAL_CWD"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    monkeypatch.setenv("TERMINAL_ENV", "proc")
    monkeypatch.setenv("CHAT_TEST_KEY", SECRET)

    def make(**flags):
        flags = {"model": "scripted-model", "toolsets": "chattest", **flags}
        console_file, out = io.StringIO(), io.StringIO()
        console = Console(file=console_file, width=200, highlight=False, soft_wrap=True)
        return (
            ChatSession(RunSettings.from_flags(**flags), console, rich_output=False, out=out),
            console_file,
            out,
        )

    return make


def run_lines(session, *lines: str) -> None:
    from hermes_agent_loop.cli.chat import _run_pipe

    _run_pipe(session, io.StringIO("".join(line + "\n" for line in lines)))


def test_pipe_session_answers_and_shows_tool_calls(session_factory, server):
    server.queue(reply(tool_calls=[("shell", {"command": "echo from-the-tool"})]), reply("first answer"))
    server.queue(reply("second answer"))
    session, console, out = session_factory()
    run_lines(session, "list files", "and again")
    assert out.getvalue().splitlines() == ["first answer", "second answer"]
    shown = console.getvalue()
    assert '→ shell {"command": "echo from-the-tool"}' in shown
    assert "← " in shown and "from-the-tool" in shown
    tools = [t["function"]["name"] for t in server.requests[0]["tools"]]
    assert tools == ["shell", "whoami"]
    # the second request carries the whole conversation so far
    roles = [m["role"] for m in server.requests[2]["messages"]]
    assert roles == ["user", "assistant", "tool", "assistant", "user"]


def test_commands_switch_model_and_toolsets_and_reset(session_factory, server):
    server.queue(reply("a"), reply("b"), reply("c"))
    session, console, out = session_factory()
    run_lines(
        session,
        "/model other-model",
        "hi",
        "/toolsets keyonly",
        "/tools",
        "again",
        "/reset",
        "fresh",
        "/exit",
    )
    assert server.requests[0]["model"] == "other-model"
    assert [t["function"]["name"] for t in server.requests[1]["tools"]] == ["whoami"]
    assert len(server.requests[1]["messages"]) == 3
    assert [m["role"] for m in server.requests[2]["messages"]] == ["user"]  # /reset forgot the past
    shown = console.getvalue()
    assert "model: other-model" in shown and "toolsets: keyonly (1 tools)" in shown
    assert "✓ whoami" in shown


def test_unknown_toolset_and_command_are_reported_not_fatal(session_factory, server):
    server.queue(reply("still fine"))
    session, console, out = session_factory()
    run_lines(session, "/toolsets nosuch", "/frobnicate", "/toolsets", "hello")
    shown = console.getvalue()
    assert "unknown toolset 'nosuch'" in shown and "unknown command /frobnicate" in shown
    assert "● chattest" in shown
    assert out.getvalue() == "still fine\n"


def test_exit_stops_reading(session_factory, server):
    session, _, out = session_factory()
    run_lines(session, "/exit", "never sent")
    assert server.requests == [] and out.getvalue() == ""


def test_api_error_keeps_the_session(session_factory, server):
    from hermes_testkit.openai_server import error

    server.queue(error(400, "bad request from the test"), reply("recovered"))
    session, console, out = session_factory()
    run_lines(session, "first", "second")
    assert console.getvalue().count("bad request from the test") == 1  # said once, not twice
    assert out.getvalue() == "recovered\n"


def test_save_writes_sharegpt_without_secrets(session_factory, server, tmp_path):
    server.queue(reply(tool_calls=[("whoami", {})]), reply(f"the key is {SECRET}"))
    session, console, out = session_factory()
    target = tmp_path / "saved.jsonl"
    run_lines(session, "/save", "tell me the key", f"/save {target}", "/save")
    assert "nothing to save yet" in console.getvalue()
    assert SECRET not in out.getvalue()  # answers are masked too
    text = target.read_text()
    assert SECRET not in text and "sk-...efgh" in text
    record = json.loads(text)
    assert [c["from"] for c in record["conversations"]] == ["system", "human", "gpt", "tool", "gpt"]
    assert "<tool_call>" in record["conversations"][2]["value"]
    assert record["model"] == "scripted-model"
    saved = list((tmp_path / "home" / "trajectories").glob("chat-*.jsonl"))
    assert len(saved) == 1


def test_missing_endpoint_or_model_is_a_one_line_error(session_factory, monkeypatch):
    from hermes_agent_loop.cli.settings import RunSettings
    from hermes_core.registry import HermesError

    monkeypatch.delenv("OPENAI_BASE_URL")
    with pytest.raises(HermesError, match="no model endpoint configured"):
        RunSettings.from_flags(model="m")
    with pytest.raises(HermesError, match="no model named"):
        RunSettings.from_flags(base_url="http://127.0.0.1:1/v1")


def test_flags_beat_config(session_factory, tmp_path):
    from hermes_agent_loop.cli.settings import RunSettings
    from hermes_core import config as cfg

    cfg.set_value("agent.max_turns", 4)
    cfg.set_value("toolsets", ["keyonly"], check_plugins=False)
    settings = RunSettings.from_flags(model="m")
    assert settings.max_turns == 4 and settings.toolsets == ["keyonly"]
    settings = RunSettings.from_flags(model="m", max_turns=9, toolsets="chattest")
    assert settings.max_turns == 9 and settings.toolsets == ["chattest"]


CALL_AS_TEXT = '<tool_call>{"name": "shell", "arguments": {"command": "ls"}}</tool_call>'


def test_tool_calls_written_as_text_get_a_hint_once_a_session(session_factory, server, host):
    """Issue 23.5 for chat: a server without a tool parser answers with markup; chat says which
    --tool-call-parser reads it (once, not on every message), and with that flag nothing is hinted."""
    import hermes_parsers

    host.register(hermes_parsers, name="hermes-parsers")
    server.queue(reply(CALL_AS_TEXT), reply(CALL_AS_TEXT))
    session, console, out = session_factory()
    run_lines(session, "list files", "again")
    assert out.getvalue().splitlines() == [CALL_AS_TEXT, CALL_AS_TEXT]
    hints = [line for line in console.getvalue().splitlines() if line.startswith("hint:")]
    assert len(hints) == 1 and "--tool-call-parser hermes" in hints[0]

    server.queue(reply(CALL_AS_TEXT), reply("There is one file."))
    session, console, out = session_factory(tool_call_parser="hermes")
    run_lines(session, "list files")
    assert out.getvalue().splitlines() == ["There is one file."]
    assert "hint:" not in console.getvalue()


def test_reasoning_parser_flag_splits_the_thinking_out_of_the_answer(session_factory, server, host):
    from hermes_agent_loop.cli.chat import chat
    from hermes_core import hookimpl
    from hermes_core.reasoning_markers import MarkerReasoningParser
    from hermes_core.registry import HermesError

    class Think(MarkerReasoningParser):
        name = "test_think"

    class Plugin:
        @hookimpl
        def register_reasoning_parsers(self, register):
            register(Think)

    assert "--reasoning-parser" in [opt for p in chat.params for opt in p.opts]
    with pytest.raises(HermesError, match="unknown reasoning parser 'test_think'"):
        session_factory(reasoning_parser="test_think")  # refused before the session starts
    host.register(Plugin(), name="chat-test-reasoning")
    server.queue(reply("<think>count them first</think>Four files."))
    session, console, out = session_factory(reasoning_parser="test_think")
    run_lines(session, "how many files?")
    assert out.getvalue().splitlines() == ["Four files."]
    assert session.messages[-1]["reasoning_content"] == "count them first"


# -- a real subprocess over a pipe -------------------------------------------------------------------


def test_subprocess_over_a_pipe(chat_env, server):
    server.queue(
        reply(tool_calls=[("shell", {"command": "echo piped"})]), reply("done one"), reply("done two")
    )
    done = subprocess.run(
        [sys.executable, "-m", "hermes_core", "chat"],
        input="do it\n/tools\nsecond\n",
        capture_output=True,
        text=True,
        env=chat_env,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "done one\ndone two\n"  # answers alone on stdout: scriptable
    assert "→ shell" in done.stderr and "piped" in done.stderr
    assert SECRET not in done.stdout + done.stderr


def test_plain_in_a_terminal_says_what_it_waits_for(chat_env, server):
    """`hermes chat --plain` with a terminal on stdin: a line saying how it reads, not a silent wait."""
    import pty

    server.queue(reply("pong"))
    leader, follower = pty.openpty()
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "hermes_core", "chat", "--plain"],
            stdin=follower,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=chat_env,
        )
        os.close(follower)
        os.write(leader, b"ping\n\x04")
        out, err = process.communicate(timeout=60)
    finally:
        os.close(leader)
    assert process.returncode == 0 and out.decode() == "pong\n"
    hint = err.decode().splitlines()[0]  # the first thing said, before the first message is read
    assert "one message per line" in hint and "Ctrl-D" in hint


# -- a real pseudo-terminal --------------------------------------------------------------------------


def spawn(chat_env):
    pexpect = pytest.importorskip("pexpect")
    child = pexpect.spawn(
        sys.executable,
        ["-m", "hermes_core", "chat"],
        env=chat_env,
        encoding="utf-8",
        timeout=30,
        dimensions=(40, 160),
    )
    child.expect("hermes chat")
    child.expect(PROMPT)
    return child


def test_tty_chat_multiline_history_and_markdown(chat_env, server):
    server.queue(reply("# Title\n\nsome **bold** words"), reply("second reply"))
    child = spawn(chat_env)
    child.send("line one")
    child.send("\x1b\r")  # Esc+Enter: a new line, not a submit
    child.send("line two\r")
    child.expect("some")
    child.expect("words")
    child.expect(PROMPT)
    assert server.requests[0]["messages"][-1]["content"] == "line one\nline two"
    child.send("/model\r")
    child.expect("model: scripted-model")
    child.send("trailing \\\r")  # a trailing backslash continues too
    child.send("part\r")
    child.expect("second reply")
    child.expect(PROMPT)
    child.sendeof()
    child.expect(EOF)
    child.close()
    assert child.exitstatus == 0
    assert server.requests[1]["messages"][-1]["content"] == "trailing \npart"
    history = Path(chat_env["HERMES_HOME"]) / "chat_history"
    assert "line two" in history.read_text()


def test_tty_ctrl_c_interrupts_the_turn_and_kills_the_command(chat_env, server, tmp_path):
    pidfile = tmp_path / "sleep.pid"
    server.queue(reply(tool_calls=[("shell", {"command": f"echo $$ > {pidfile}; exec sleep 60"})]))
    child = spawn(chat_env)
    child.send("run something long\r")
    child.expect("running shell")
    deadline = time.time() + 10
    while not (pidfile.exists() and pidfile.read_text().strip()) and time.time() < deadline:
        time.sleep(0.05)
    pid = int(pidfile.read_text())
    child.sendintr()
    child.expect("interrupted")
    child.expect(PROMPT)
    assert gone(pid, within=10), "the running command survived Ctrl-C"
    assert list((tmp_path / "markers").glob("cleaned-chat-*")), "the sandbox was not cleaned up"
    # the session goes on, and the interrupted turn is not part of the conversation
    server.queue(reply("still here"))
    child.send("are you there\r")
    child.expect("still here")
    child.expect(PROMPT)
    assert [m["role"] for m in server.requests[-1]["messages"]] == ["user"]
    child.sendintr()  # Ctrl-C at the prompt only clears the line
    child.expect(PROMPT)
    child.send("/exit\r")
    child.expect(EOF)
    child.close()
    assert child.exitstatus == 0
