"""verifiers' own evaluation entry point (``vf-eval``, a child process as a user runs it) plays hermes'
GSM8K against the kit's scripted OpenAI server: the python tool really runs in each episode's sandbox,
and the right answer scores 1.0, the wrong one 0.0."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip(
    "hermes_envs_verifiers", reason="verifiers pins openai<3: these tests run in its own venv"
)
from hermes_env_gsm8k.environment import GSM8K
from hermes_env_gsm8k.testing import Gsm8kSolver
from hermes_env_terminal_tasks.environment import TerminalTasks
from hermes_envs_verifiers import HermesTaskset, HermesTasksetConfig

from hermes_core.registry import HermesError

VF_EVAL = Path(sys.executable).parent / "vf-eval"


def vf_eval(base_url: str, out: Path, *args: str) -> subprocess.CompletedProcess:
    command = [
        str(VF_EVAL),
        "hermes-envs-verifiers",
        "-m",
        "scripted-model",
        "--client.base-url",
        base_url,
        "--client.api-key-var",
        "HERMES_TEST_NO_KEY",
        "--no-push",
        "-o",
        str(out),
        *args,
    ]
    env = {**os.environ, "TERMINAL_ENV": "local", "HF_HUB_OFFLINE": "1"}
    return subprocess.run(command, capture_output=True, text=True, timeout=300, env=env, check=False)


def episodes(out: Path) -> dict[str, dict]:
    """``{task name: trace}`` from the run's ``traces.jsonl``."""
    (traces,) = out.glob("*/traces.jsonl")
    found = {}
    for line in traces.read_text().splitlines():
        record = json.loads(line)
        (trace,) = record["traces"]
        found[record["task"]["data"]["name"]] = trace
    return found


def test_vf_eval_scores_gsm8k_right_answer_1_wrong_answer_0(server, tmp_path):
    rows = GSM8K().rows("test")[:2]
    solver = Gsm8kSolver(policy=lambda question, attempt: question == rows[0]["question"], splits=("test",))
    server.responder = solver.chat_responder
    taskset = ["--env.taskset.environment", "gsm8k", "--env.taskset.split", "test", "-n", "2"]
    done = vf_eval(server.base_url, tmp_path, *taskset)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    traces = episodes(tmp_path)
    assert {name: trace["rewards"]["reward"]["score"] for name, trace in traces.items()} == {
        "gsm8k/test/0": 1.0,
        "gsm8k/test/1": 0.0,
    }
    printed = [rows[0]["gold"], str(int(rows[1]["gold"]) + 1)]  # the solver's code prints gold, or gold + 1
    for number, trace in zip(printed, traces.values(), strict=True):
        assert trace["ok"] and not trace["errors"]
        (result,) = [n["message"] for n in trace["nodes"] if n["message"]["role"] == "tool"]
        assert json.loads(result["content"])["output"] == f"{number}\n"  # the tool really ran
    offered = {tool["function"]["name"] for body in server.requests for tool in body.get("tools", [])}
    assert offered == {"python"}
    assert len(server.requests) == 4  # two turns per episode, all through verifiers' interception


def test_a_taskset_without_environment_is_a_one_line_error():
    with pytest.raises(HermesError, match="--env.taskset.environment NAME") as caught:
        list(HermesTaskset(HermesTasksetConfig()).load())
    assert "\n" not in str(caught.value)


def test_every_row_of_the_split_becomes_a_task_with_the_episodes_starting_messages():
    tasks = list(HermesTaskset(HermesTasksetConfig(environment="gsm8k", split="test")).take(3))
    environment = GSM8K()
    for index, task in enumerate(tasks):
        row = environment.rows("test")[index]
        assert task.data.row == row and task.data.environment == "gsm8k"
        assert task.data.name == f"gsm8k/test/{index}"
        assert [m.role for m in task.data.prompt] == [m["role"] for m in environment.start(row).messages]


def test_a_verifiers_turn_limit_ends_the_episode_which_scores_as_it_stands(server, tmp_path):
    server.responder = Gsm8kSolver(policy=lambda question, attempt: True, splits=("test",)).chat_responder
    taskset = ["--env.taskset.environment", "gsm8k", "--env.taskset.split", "test", "-n", "1"]
    done = vf_eval(server.base_url, tmp_path, *taskset, "--env.agent.max-turns", "1")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    (trace,) = episodes(tmp_path).values()
    assert trace["stop_condition"] == "max_turns" and not trace["errors"]
    assert [n["message"]["role"] for n in trace["nodes"]] == ["system", "user", "assistant"]  # the tool call
    assert trace["rewards"]["reward"]["score"] == 0.0  # no answer yet
    assert len(server.requests) == 1


def test_the_episodes_sandbox_holds_the_agents_file_when_scored_and_is_released_after():
    import glob
    import tempfile

    from hermes_core.sandboxes import sandbox_table
    from hermes_testkit.env_adapters import reward_via_verifiers
    from hermes_testkit.openai_server import tool_call

    environment = TerminalTasks()
    row = environment.rows()[0]
    call = tool_call("write_file", {"path": "hello.txt", "content": "Hello, hermes!"})
    transcript = [
        *environment.start(row).messages,
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "assistant", "content": "Wrote it."},
    ]
    assert reward_via_verifiers("terminal_tasks", row, transcript) == 1.0  # the score read the file back
    assert [t for t in sandbox_table().active() if t.startswith("terminal_tasks")] == []
    assert glob.glob(os.path.join(tempfile.gettempdir(), f"hermes-{os.getpid()}-terminal_tasks*")) == []
