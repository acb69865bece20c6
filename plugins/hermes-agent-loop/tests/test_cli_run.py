"""``hermes run`` and ``hermes batch`` against the scripted server, including a batch killed mid-way."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from hermes_agent_loop.trajectory import read_jsonl
from hermes_core import Tool, Toolset
from hermes_core.cli import cli, main
from hermes_core.hookspecs import hookimpl
from hermes_testkit.openai_server import error, reply

ENDPOINT_VARS = ("OPENAI_BASE_URL", "OPENAI_API_KEY", "HERMES_MODEL")


class CliTools:
    @hookimpl
    def register_tools(self, register):
        register(
            Tool(
                "terminal",
                "run a command",
                lambda args, task_id: {"output": f"ran {args['command']}"},
                {"type": "object", "properties": {"command": {"type": "string"}}, "required": ["command"]},
            )
        )
        register(Tool("boom", "fails", lambda args, task_id: 1 / 0))

    @hookimpl
    def register_toolsets(self, register):
        register(Toolset("clitest", tools=("terminal", "boom")))


@pytest.fixture
def cli_host(host, monkeypatch, tmp_path):
    for var in ENDPOINT_VARS:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))  # no ~/.hermes/config.yaml to find
    monkeypatch.setenv("HERMES_HOME", str(tmp_path / "home" / ".hermes"))
    host.register(CliTools(), name="cli-test-tools")
    return host


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def test_run_without_an_endpoint_says_how_to_set_one(cli_host, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["run", "hello", "--model", "m"])
    assert exit_info.value.code != 0
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "--base-url" in err and "OPENAI_BASE_URL" in err and "config.yaml" in err


def test_run_without_a_model_says_how_to_name_one(cli_host, capsys):
    with pytest.raises(SystemExit):
        main(["run", "hello", "--base-url", "http://127.0.0.1:9/v1"])
    assert "HERMES_MODEL" in capsys.readouterr().err


def test_run_shows_tool_calls_and_prints_the_answer(cli_host, server, tmp_path):
    server.queue(reply(tool_calls=[("terminal", {"command": "ls"})]), reply("There is one file."))
    saved = tmp_path / "traj.jsonl"
    result = invoke(
        "run", "list files", "--base-url", server.base_url, "--model", "m", "--toolsets", "clitest",
        "--save-trajectory", saved, "--ephemeral-system-prompt", "be terse",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "There is one file."
    assert "terminal" in result.stderr and "ran ls" in result.stderr
    assert [t["function"]["name"] for t in server.requests[0]["tools"]] == ["terminal", "boom"]
    assert server.requests[0]["messages"][0] == {"role": "system", "content": "be terse"}
    (record,) = read_jsonl(saved)
    assert [c["from"] for c in record["conversations"]] == ["system", "human", "gpt", "tool", "gpt"]
    assert "be terse" not in record["conversations"][0]["value"]
    assert record["metrics"]["executed_ok"] == 1 and record["finished_naturally"]


def test_run_takes_the_endpoint_from_the_environment(cli_host, server, monkeypatch):
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    monkeypatch.setenv("HERMES_MODEL", "env-model")
    server.queue(reply("ok"))
    result = invoke("run", "hi", "--toolsets", "none", "--json")
    assert json.loads(result.stdout)["final_response"] == "ok"
    assert server.requests[0]["model"] == "env-model" and "tools" not in server.requests[0]


def test_run_reports_an_api_error_and_exits_non_zero(cli_host, server, capsys):
    server.queue(error(401, "bad key"))
    with pytest.raises(SystemExit) as exit_info:
        main(["run", "hi", "--base-url", server.base_url, "-m", "m", "--toolsets", "none", "-q"])
    assert exit_info.value.code == 1 and "bad key" in capsys.readouterr().err


def test_a_404_names_the_url_and_what_to_check(cli_host, server, capsys):
    """A 404 (a base URL without its /v1, a model the server lacks) names where the request went and what
    to check, not only openai's "Error code: 404"."""
    server.queue(error(404, "not found"))
    with pytest.raises(SystemExit) as exit_info:
        main(["run", "hi", "--base-url", server.base_url, "-m", "m", "--toolsets", "none", "-q"])
    err = capsys.readouterr().err
    assert exit_info.value.code == 1 and "NotFoundError" in err
    assert f"{server.base_url}/chat/completions: no such endpoint or model; check --base-url" in err


def write_prompts(path: Path, n: int, extra: list | None = None) -> Path:
    with open(path, "w") as handle:
        for i in range(n):
            handle.write(json.dumps({"id": f"p{i}", "prompt": f"question {i}"}) + "\n")
        for item in extra or []:
            handle.write(json.dumps(item) + "\n")
    return path


def test_batch_writes_trajectories_failures_and_tool_stats(cli_host, server, tmp_path):
    def model(body):
        question = body["messages"][-1]["content"] if body["messages"][-1]["role"] == "user" else None
        if question == "please fail":
            return error(400, "no")
        if question and question.startswith("question"):
            return reply(tool_calls=[("terminal", {"command": "ls"}), ("boom", {})])
        return reply("answer")

    server.responder = model
    prompts = write_prompts(tmp_path / "p.jsonl", 6, [{"id": "bad", "prompt": "please fail"}, "plain string"])
    out = tmp_path / "out"
    result = invoke(
        "batch", prompts, "--out", out, "--workers", 3, "--base-url", server.base_url, "-m", "m",
        "--toolsets", "clitest", "-q",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    ok = list(read_jsonl(out / "trajectories.jsonl"))
    failed = list(read_jsonl(out / "failures.jsonl"))
    assert sorted(r["id"] for r in ok) == ["8", "p0", "p1", "p2", "p3", "p4", "p5"]
    assert [r["id"] for r in failed] == ["bad"] and "no" in failed[0]["error"]
    stats = json.loads((out / "tool_stats.json").read_text())
    assert (
        stats["per_tool"]["terminal"]["executed_ok"] == 6
        and stats["per_tool"]["boom"]["execution_errors"] == 6
    )
    assert stats["per_tool"]["boom"]["success_rate"] == 0.0
    summary = json.loads((out / "summary.json").read_text())
    assert summary == summary | {"runs": 8, "completed": 7, "failed": 1}
    again = CliRunner().invoke(
        cli, ["batch", str(prompts), "-o", str(out), "--base-url", server.base_url, "-m", "m"]
    )
    assert again.exit_code != 0 and "--resume" in str(again.exception)


def test_batch_rejects_a_bad_prompts_file(cli_host, server, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": 1, "prompt": "a"}\n{"id": 1, "prompt": "b"}\n')
    result = CliRunner().invoke(
        cli, ["batch", str(bad), "--out", str(tmp_path / "o"), "--base-url", "x", "-m", "m"]
    )
    assert "duplicate prompt id '1'" in str(result.exception)


@pytest.mark.slow
def test_batch_killed_half_way_resumes_with_nothing_lost_or_done_twice(server, tmp_path):
    n, workers = 60, 4
    server.responder = lambda body: reply(f"answer to {body['messages'][-1]['content']}", delay=0.1)
    prompts = write_prompts(tmp_path / "p.jsonl", n)
    out = tmp_path / "out"
    env = {k: v for k, v in os.environ.items() if k not in ENDPOINT_VARS}
    env.update(HERMES_LOAD_PLUGINS="hermes-agent-loop", HOME=str(tmp_path))
    command = [
        sys.executable, "-m", "hermes_core", "batch", str(prompts), "--out", str(out),
        "--workers", str(workers), "--base-url", server.base_url, "--model", "m", "--toolsets", "none", "-q",
    ]  # fmt: skip
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    traj = out / "trajectories.jsonl"
    deadline = time.time() + 60
    while time.time() < deadline:
        if traj.exists() and traj.read_bytes().count(b"\n") >= n // 3:
            break
        time.sleep(0.01)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    done_before = {r["id"] for r in read_jsonl(traj)}
    assert n // 3 <= len(done_before) < n, "the kill came too late to test anything"
    requests_before = len(server.requests)

    resumed = subprocess.run([*command, "--resume"], env=env, capture_output=True, text=True, timeout=120)
    assert resumed.returncode == 0, resumed.stderr
    ids = [r["id"] for r in read_jsonl(traj)]
    assert len(ids) == n and set(ids) == {f"p{i}" for i in range(n)}  # all there, none twice
    assert all(r["final_response"] == f"answer to {r['prompt']}" for r in read_jsonl(traj))
    # only the runs in flight at the kill were redone
    assert len(server.requests) - requests_before <= n - len(done_before) + workers
    assert traj.read_bytes().endswith(b"\n")


def test_batch_survives_a_reply_with_a_lone_surrogate(cli_host, server, tmp_path):
    # "\ud800" decodes fine from JSON and through the openai client but has no UTF-8 encoding
    def model(body):
        question = body["messages"][-1]["content"]
        return reply("odd \ud800 text" if question == "question 1" else f"answer to {question}")

    server.responder = model
    prompts = write_prompts(tmp_path / "p.jsonl", 4)
    out = tmp_path / "out"
    args = ["batch", prompts, "--out", out, "--workers", 2, "--base-url", server.base_url, "-m", "m"]
    result = invoke(*args, "--toolsets", "none", "-q")
    assert result.exit_code == 0, result.output
    raw = (out / "trajectories.jsonl").read_bytes()
    lines = raw.decode("utf-8").splitlines()  # strict UTF-8
    assert len(lines) == 4 and all(json.loads(line) for line in lines)
    ok = {r["id"]: r for r in read_jsonl(out / "trajectories.jsonl")}
    assert sorted(ok) == ["p0", "p1", "p2", "p3"]
    assert ok["p1"]["final_response"] == "odd \ud800 text"
    assert ok["p1"]["conversations"][-1] == {"from": "gpt", "value": "odd \ud800 text"}
    assert json.loads((out / "summary.json").read_text())["completed"] == 4
    requests = len(server.requests)
    resumed = invoke(*args, "--toolsets", "none", "-q", "--resume")
    assert resumed.exit_code == 0, resumed.output
    assert len(server.requests) == requests  # everything was saved: nothing to redo
    assert len(list(read_jsonl(out / "trajectories.jsonl"))) == 4


def test_batch_turns_a_record_it_cannot_write_into_a_failure(cli_host, server, tmp_path, monkeypatch):
    from hermes_agent_loop.trajectory import JsonlWriter

    real_append = JsonlWriter.append

    def append(self, record):
        if record.get("final_response") == "answer to question 1":
            raise OSError("simulated write failure")
        real_append(self, record)

    monkeypatch.setattr(JsonlWriter, "append", append)
    server.responder = lambda body: reply(f"answer to {body['messages'][-1]['content']}")
    prompts = write_prompts(tmp_path / "p.jsonl", 3)
    out = tmp_path / "out"
    result = invoke(
        "batch", prompts, "--out", out, "--base-url", server.base_url, "-m", "m", "--toolsets", "none", "-q"
    )
    assert result.exit_code == 0, result.output
    assert sorted(r["id"] for r in read_jsonl(out / "trajectories.jsonl")) == ["p0", "p2"]
    (failed,) = read_jsonl(out / "failures.jsonl")
    assert failed["id"] == "p1" and failed["prompt"] == "question 1"
    assert "could not save the record" in failed["error"] and "simulated write failure" in failed["error"]
    assert json.loads((out / "summary.json").read_text()) | {"completed": 2, "failed": 1} == json.loads(
        (out / "summary.json").read_text()
    )


def test_ephemeral_prompt_joins_a_system_message_the_prompt_brings(cli_host, server, tmp_path):
    server.queue(reply("bonjour"))
    prompts = tmp_path / "p.jsonl"
    messages = [{"role": "system", "content": "Be kind."}, {"role": "user", "content": "hi"}]
    prompts.write_text(json.dumps({"id": "m1", "messages": messages}) + "\n")
    out = tmp_path / "out"
    result = invoke(
        "batch", prompts, "--out", out, "--base-url", server.base_url, "-m", "m", "--toolsets", "none", "-q",
        "--ephemeral-system-prompt", "Answer in French.", "--openai-messages",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    sent = server.requests[0]["messages"]
    assert sent[0] == {"role": "system", "content": "Be kind.\n\nAnswer in French."}
    assert [m["role"] for m in sent] == ["system", "user"]
    (record,) = read_jsonl(out / "trajectories.jsonl")
    assert record["conversations"][0] == {"from": "system", "value": "Be kind."}  # ephemeral: not saved
    assert "Answer in French" not in json.dumps(record["conversations"])


def test_run_settings_messages_places_the_ephemeral_prompt():
    from hermes_agent_loop.cli.settings import RunSettings

    def settings(system=None, ephemeral=None):
        return RunSettings(
            base_url="x", api_key="k", model="m", toolsets=[], disabled_toolsets=[], max_turns=1,
            tool_call_parser=None, temperature=None, max_tokens=None, max_context_tokens=None,
            tool_timeout=None, max_retries=0, request_timeout=1.0, system=system,
            ephemeral_system_prompt=ephemeral,
        )  # fmt: skip

    user = {"role": "user", "content": "q"}
    own = [{"role": "system", "content": "Own."}, user]
    assert settings("Sys.", "Eph.").messages("q") == [{"role": "system", "content": "Sys.\n\nEph."}, user]
    assert settings(None, "Eph.").messages("q") == [{"role": "system", "content": "Eph."}, user]
    assert settings(None, None).messages("q") == [user]
    assert settings("Sys.", "Eph.").messages(own)[0] == {"role": "system", "content": "Own.\n\nEph."}
    assert own[0] == {"role": "system", "content": "Own."}  # the prompt itself is not changed
    assert settings("Sys.", None).messages(own) == own
    parts = [{"role": "system", "content": [{"type": "text", "text": "Own."}]}, user]
    assert settings(None, "Eph.").messages(parts)[0]["content"] == [
        {"type": "text", "text": "Own."},
        {"type": "text", "text": "\n\nEph."},
    ]
    assert (
        settings(None, "Eph.").messages([{"role": "system", "content": None}, user])[0]["content"] == "Eph."
    )


def test_run_against_a_closed_port_names_the_url_and_does_not_retry(cli_host, capsys):
    with socket.socket() as closed:  # bound, never listening: connections to it are refused
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
        base_url = f"http://someone:hunter2-secret-pw@127.0.0.1:{port}/v1"
        with pytest.raises(SystemExit) as exit_info:
            main(["run", "hi", "--base-url", base_url, "-m", "m", "--toolsets", "none", "--max-retries", "3"])
    err = capsys.readouterr().err
    assert exit_info.value.code == 1
    assert f"127.0.0.1:{port}/v1" in err and "connection refused" in err
    assert "hunter2-secret-pw" not in err
    assert "retry" not in err  # a closed port is not retried


CALL_AS_TEXT = '<tool_call>\n{"name": "terminal", "arguments": {"command": "ls"}}\n</tool_call>'


def test_run_names_the_parser_for_tool_calls_written_as_text(cli_host, server):
    import hermes_parsers

    cli_host.register(hermes_parsers, name="hermes-parsers")
    args = ("run", "list files", "--base-url", server.base_url, "-m", "m", "--toolsets", "clitest")
    server.queue(reply(CALL_AS_TEXT))
    result = invoke(*args)
    assert result.exit_code == 0 and result.stdout.strip() == CALL_AS_TEXT
    (hint,) = [line for line in result.stderr.splitlines() if line.startswith("hint:")]
    assert "--tool-call-parser hermes" in hint

    server.queue(reply(CALL_AS_TEXT), reply("There is one file."))
    result = invoke(*args, "--tool-call-parser", "hermes")  # the hint's advice, followed: the call runs
    assert result.stdout.strip() == "There is one file." and "ran ls" in result.stderr
    assert "hint:" not in result.stderr


def test_run_without_parsers_installed_still_notices_tool_call_markup(cli_host, server):
    server.queue(reply(CALL_AS_TEXT), reply("Plain answer."))
    args = ("run", "hi", "--base-url", server.base_url, "-m", "m", "--toolsets", "none")
    (hint,) = [line for line in invoke(*args).stderr.splitlines() if line.startswith("hint:")]
    assert "pip install hermes-parsers" in hint
    assert "hint:" not in invoke(*args).stderr


@pytest.mark.parametrize("command", ["run", "batch", "chat"])
def test_help_of_each_command_that_takes_input_shows_examples(cli_host, command):
    result = invoke(command, "--help")
    assert result.exit_code == 0
    examples = result.stdout.split("Examples:\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert examples and all(line.startswith("    ") for line in examples)
    assert sum(f"hermes {command} " in line for line in examples) >= 2


def test_batch_help_describes_every_key_it_reads_and_its_example_line_reads(cli_host, tmp_path):
    from hermes_agent_loop.cli.batch import PROMPT_KEYS, read_prompts

    text = invoke("batch", "--help").stdout
    table = text.split("an object with:\n", 1)[1].split("\n\n", 1)[0].splitlines()
    keys = {line.split()[0] for line in table if line.startswith("    ")}
    assert {"prompt", "messages", "id", "system", "metadata"} <= keys
    assert all(key in text for key in (*PROMPT_KEYS, "prompt_id"))
    echo = next(line for line in text.splitlines() if line.strip().startswith("echo '"))
    line = echo.split("'")[1]
    (tmp_path / "p.jsonl").write_text(line + "\n")
    (prompt,) = read_prompts(str(tmp_path / "p.jsonl"))
    assert prompt.id == json.loads(line)["id"] and prompt.prompt == json.loads(line)["prompt"]


def test_a_missing_endpoint_names_the_config_file_hermes_home_points_to(tmp_path):
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "HERMES_"))}
    env["HERMES_HOME"] = str(tmp_path / "elsewhere")
    command = [sys.executable, "-m", "hermes_core", "run", "hi"]
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 1
    assert f"model.base_url in {tmp_path / 'elsewhere' / 'config.yaml'}" in done.stderr
