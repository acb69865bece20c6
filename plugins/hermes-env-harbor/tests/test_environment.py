"""Harbor tasks as an RL environment: episodes through the contract, and ``hermes env run harbor process``
end to end (atroposlib's CLI, a locally built tokenizer, the scripted OpenAI server playing a model that
solves the task in one rollout of the group and does nothing in the other)."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import threading

import pytest
from harbor_kit import TASKS, owned_containers

pytestmark = pytest.mark.usefixtures("docker_engine")

SOLVE = "printf 'Hello, world!\\n' > /app/hello.txt"


@pytest.fixture
def task_dir(tmp_path):
    """hello and json-reward, plus a broken task the environment must leave out."""
    for name in ("hello", "json-reward", "bad-toml"):
        shutil.copytree(TASKS / name, tmp_path / "tasks" / name)
    return tmp_path / "tasks"


def terminal_call(command: str) -> dict:
    function = {"name": "terminal", "arguments": json.dumps({"command": command})}
    return {
        "role": "assistant",
        "content": None,
        "tool_calls": [{"id": "c1", "type": "function", "function": function}],
    }


def test_episodes_are_scored_by_each_tasks_own_tests(task_dir, caplog):
    from hermes_env_harbor.environment import HarborEnvironment

    from hermes_envs.episode import Episode

    env = HarborEnvironment(tasks=str(task_dir))
    rows = env.rows()
    assert [r["name"] for r in rows] == ["hello", "json-reward"]
    assert "leaving out bad-toml: invalid_task_toml" in caplog.text
    start = env.start(rows[0])
    assert start.backend == "docker" and start.toolsets == ("terminal", "file")
    assert start.sandbox.options["network"] == "none" and start.sandbox.options["memory"] == "256m"
    assert start.messages[-1]["content"] == (task_dir / "hello" / "instruction.md").read_text()

    async def play(row, actions):
        episode = Episode(env, row)
        try:
            for action in actions:
                await episode.step(action)
            return await episode.score()
        finally:
            await episode.close()

    solved = asyncio.run(play(rows[0], [terminal_call(SOLVE), {"role": "assistant", "content": "done"}]))
    idle = asyncio.run(play(rows[0], [{"role": "assistant", "content": "no"}]))
    graded = asyncio.run(play(rows[1], [terminal_call("touch /app/done")]))
    assert solved == {"reward": 1.0} and idle == {"reward": 0.0}
    assert graded == {"reward": 1.0, "style": 0.5}


class Model:
    """Solves hello in the first rollout to ask, answers without acting in the second."""

    def __init__(self):
        self.lock, self.first = threading.Lock(), True

    def __call__(self, body):
        from hermes_testkit.openai_server import reply

        if any(m["role"] == "tool" for m in body["messages"]):
            return reply("Done.")
        with self.lock:
            solve, self.first = self.first, False
        if solve:
            return reply(tool_calls=[("terminal", {"command": SOLVE})])
        return reply("I will not.")


def test_hermes_env_run_harbor_process(tmp_path, env_tokenizer_dir, docker_engine):
    pytest.importorskip("atroposlib", reason="hermes env run needs atroposlib (hermes-envs[atropos])")
    from hermes_testkit.openai_server import ScriptedOpenAIServer

    shutil.copytree(TASKS / "hello", tmp_path / "tasks" / "hello")
    out = tmp_path / "groups.jsonl"
    hermes = [sys.executable, "-c", "import sys; from hermes_core.cli import main; main(sys.argv[1:])"]
    with ScriptedOpenAIServer(model="worker") as server:
        server.responder = Model()
        process = subprocess.Popen(
            [*hermes, "env", "run", "harbor", "process", "--env.tasks", str(tmp_path / "tasks"),
             "--env.total_steps", "1", "--env.group_size", "2", "--env.data_path_to_save_groups", str(out),
             "--env.use_wandb", "False", "--env.tokenizer_name", env_tokenizer_dir,
             "--openai.base_url", server.base_url, "--openai.model_name", "worker", "--openai.api_key", "x",
             "--openai.health_check", "False"],
            env={**os.environ, "HF_HUB_OFFLINE": "1", "WANDB_MODE": "disabled"},
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path,
        )  # fmt: skip
        _, stderr = process.communicate(timeout=300)
    assert process.returncode == 0, stderr[-3000:]
    (group,) = [json.loads(line) for line in out.read_text().splitlines()]
    assert sorted(group["scores"]) == [0.0, 1.0]
    for score, messages in zip(group["scores"], group["messages"], strict=True):
        acted = any(m.get("tool_calls") for m in messages)
        assert score == (1.0 if acted else 0.0)
    # that process's containers (the docker backend labels each with its owner's pid), not other tests'
    assert owned_containers(docker_engine, process.pid) == []
