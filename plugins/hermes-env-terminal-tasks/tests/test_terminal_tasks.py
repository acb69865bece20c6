"""File-creation tasks: scoring rules, and the env scoring what the agent left in its own sandbox."""

from __future__ import annotations

import asyncio
import json
import shlex
import threading

import pytest
from hermes_env_terminal_tasks.tasks import BUILTIN_TASKS, FileTask, load_tasks, score_content

from hermes_testkit.envs import EnvironmentConformance


@pytest.mark.parametrize(
    ("content", "reward"),
    [
        ("Hello, hermes!", 1.0),
        ("Hello, hermes!\n", 1.0),
        ("> Hello, hermes! <", 0.5),
        ("Hello", 0.0),
        (None, 0.0),
    ],
)
def test_score_content(content, reward):
    assert score_content(content, "Hello, hermes!") == reward


def test_tasks_builtin_or_from_jsonl(tmp_path):
    assert load_tasks() == list(BUILTIN_TASKS) and len(BUILTIN_TASKS) >= 5
    path = tmp_path / "tasks.jsonl"
    path.write_text(json.dumps({"prompt": "make x", "path": "x", "expected": "y"}) + "\n")
    assert load_tasks(str(path)) == [FileTask("make x", "x", "y")]


def test_registered_lazily():
    from hermes_core.plugins import get_hermes

    entry = get_hermes().environments.entry("terminal_tasks")
    assert entry.plugin == "hermes-env-terminal-tasks" and isinstance(entry.target, str | type)


# -- the environment ------------------------------------------------------------------------------------

pytest.importorskip("hermes_tools_terminal.local", reason="hermes-tools-terminal provides the tools")


class Worker:
    """Plays a model: writes the expected text exactly, wrapped in extra text, or not at all."""

    def __init__(self, behaviours):
        self.behaviours = list(behaviours)
        self.lock = threading.Lock()

    def __call__(self, body):
        from hermes_testkit.openai_server import reply

        prompt = next(m["content"] for m in body["messages"] if m["role"] == "user")
        task = next(t for t in BUILTIN_TASKS if t.prompt == prompt)
        if any(m["role"] == "tool" for m in body["messages"]):
            return reply("Done.")
        with self.lock:
            behaviour = self.behaviours.pop(0)
        if behaviour == "exact":
            return reply(tool_calls=[("write_file", {"path": task.path, "content": task.expected + "\n"})])
        if behaviour == "contains":
            text, path = shlex.quote(task.expected), shlex.quote(task.path)
            command = f'mkdir -p "$(dirname {path})" && printf "note: %s" {text} > {path}'
            return reply(tool_calls=[("terminal", {"command": command})])
        return reply("I would rather not.")


def make_env(server, env_tokenizer_dir, **overrides):
    from hermes_env_terminal_tasks.env import TerminalTasksEnv

    from hermes_testkit.envs import make_env as kit_make_env

    settings = {"group_size": 3, **overrides}
    return kit_make_env(TerminalTasksEnv, server.base_url, env_tokenizer_dir, model_name="worker", **settings)


class TestTerminalTasksConformance(EnvironmentConformance):
    """The kit's environment checks, with a worker that writes the file exactly."""

    env_name = "terminal_tasks"

    def responder(self, body):
        if not hasattr(self, "_worker"):
            self._worker = Worker(["exact"] * 8)
        return self._worker(body)


def test_rewards_read_the_files_back_from_each_sandbox(env_tokenizer_dir):
    pytest.importorskip("atroposlib")
    from hermes_core.sandboxes import sandbox_table
    from hermes_testkit.openai_server import ScriptedOpenAIServer

    with ScriptedOpenAIServer() as server:
        server.responder = Worker(["exact", "contains", "nothing"] * 2)
        env = make_env(server, env_tokenizer_dir)

        async def go():
            await env.setup()
            groups = []
            for _ in range(2):
                groups.append((await env.collect_trajectories(await env.get_next_item()))[0])
            return groups

        groups = asyncio.run(go())
    for group in groups:
        assert sorted(group["scores"]) == [0.0, 0.5, 1.0]
        tools_used = {m["tool_calls"][0]["function"]["name"] for ms in group["messages"] for m in ms[2:3]
                      if m.get("tool_calls")}  # fmt: skip
        assert tools_used == {"write_file", "terminal"}
    assert [t for t in sandbox_table().active() if t.startswith("terminal_tasks-")] == []
    offered = {t["function"]["name"] for t in server.requests[0]["tools"]}
    assert {"terminal", "write_file", "read_file"} <= offered


def test_evaluate_covers_every_task(env_tokenizer_dir):
    pytest.importorskip("atroposlib")
    from hermes_testkit.openai_server import ScriptedOpenAIServer

    with ScriptedOpenAIServer() as server:
        server.responder = Worker(["exact"] * len(BUILTIN_TASKS))
        env = make_env(server, env_tokenizer_dir)

        async def go():
            await env.setup()
            return await env.evaluate()

        metrics = asyncio.run(go())
    assert metrics["eval/percent_correct"] == 1.0 and metrics["eval/rollouts"] == len(BUILTIN_TASKS)
