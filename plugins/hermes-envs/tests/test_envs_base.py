"""HermesAgentBaseEnv on real atroposlib, a locally built tokenizer and the scripted OpenAI server.

The environment here is a tiny one defined in this file: the agent must write a file with the
``terminal`` tool, and the reward reads it back through ``ToolContext``.
"""

from __future__ import annotations

import asyncio
import glob
import itertools
import json
import logging
import os
import subprocess
import sys
import tempfile
import threading

import pytest

pytest.importorskip("atroposlib", reason="the RL environments need atroposlib")
pytest.importorskip("hermes_tools_terminal.local", reason="hermes-tools-terminal provides the local backend")


from hermes_core.sandboxes import sandbox_table
from hermes_envs.base import (
    HermesAgentBaseEnv,
    HermesAgentEnvConfig,
    server_config_from_env,
    summarise,
)
from hermes_testkit.envs import collect_group
from hermes_testkit.envs import make_env as kit_make_env
from hermes_testkit.openai_server import error, reply

IGNORE = -100

pytestmark = pytest.mark.usefixtures("env_local_backend")


class FileEnv(HermesAgentBaseEnv):
    """Write ``text`` into ``path``; 1.0 when the file holds exactly that."""

    name = "filetest"

    async def setup(self) -> None:
        self.items = [{"path": "out.txt", "text": "hello"}]

    async def get_next_item(self):
        return self.items[0]

    def format_prompt(self, item):
        return f"Write {item['text']} into {item['path']}."

    async def compute_reward(self, item, result, ctx):
        self.seen_cwds.append((await ctx.terminal("pwd")).output.strip())
        try:
            return 1.0 if await ctx.read_file(item["path"]) == item["text"] else 0.0
        except FileNotFoundError:
            return 0.0

    async def evaluate(self, *args, **kwargs):
        return await self.evaluate_items(self.items * 2)


class RaisingRewardEnv(FileEnv):
    name = "raisingtest"

    async def compute_reward(self, item, result, ctx):
        assert await ctx.exists(item["path"])  # the sandbox is there while scoring
        raise ValueError("reward bug")


class Writer:
    """Plays a model: first turn writes the file (right or wrong text, alternating), then says done."""

    def __init__(self) -> None:
        self.texts = itertools.cycle(["hello", "wrong"])
        self.lock = threading.Lock()

    def __call__(self, body):
        if any(m["role"] == "tool" for m in body["messages"]):
            return reply("done")
        with self.lock:
            text = next(self.texts)
        return reply(tool_calls=[("terminal", {"command": f"printf {text} > out.txt"})])


def make_env(cls, server, tokenizer, **overrides):
    env = kit_make_env(cls, server.base_url, tokenizer, **{"enabled_toolsets": ["terminal"], **overrides})
    env.seen_cwds = []
    return env


def leftover_sandboxes(prefix: str) -> list[str]:
    dirs = glob.glob(os.path.join(tempfile.gettempdir(), f"hermes-{prefix}-*"))
    return [t for t in sandbox_table().active() if t.startswith(prefix)] + dirs


def collect(env):
    return collect_group(env)[1:]


# -- defaults ------------------------------------------------------------------------------------------


def test_config_init_names_wandb_and_reads_the_server_from_the_environment(monkeypatch):
    for key in (
        "ATROPOS_SERVER_BASE_URL",
        "ATROPOS_SERVER_MODEL",
        "ATROPOS_SERVER_API_KEY",
        "ATROPOS_SERVER_TYPE",
    ):
        monkeypatch.delenv(key, raising=False)
    config, servers = FileEnv.config_init()
    assert isinstance(config, HermesAgentEnvConfig) and config.wandb_name == "filetest"
    assert (
        isinstance(servers, list) and len(servers) == 1
    )  # a bare APIServerConfig would mean localhost:9004+
    assert servers[0].base_url == "http://localhost:9001/v1" and servers[0].server_type == "openai"
    monkeypatch.setenv("ATROPOS_SERVER_BASE_URL", "http://inference:8000/v1")
    monkeypatch.setenv("ATROPOS_SERVER_MODEL", "my/model")
    monkeypatch.setenv("ATROPOS_SERVER_API_KEY", "sk-test")
    monkeypatch.setenv("ATROPOS_SERVER_TYPE", "vllm")
    (server,) = FileEnv.config_init()[1]
    assert (server.base_url, server.model_name, server.api_key, server.server_type) == (
        "http://inference:8000/v1",
        "my/model",
        "sk-test",
        "vllm",
    )
    assert server_config_from_env(model_name="other").model_name == "other"


def test_config_defaults_match_the_issue():
    config = HermesAgentEnvConfig()
    assert config.max_agent_turns == 30 and config.agent_temperature == 1.0
    assert config.tool_call_parser == "hermes" and config.terminal_backend in (
        "local",
        os.environ.get("TERMINAL_ENV"),
    )
    assert config.enabled_toolsets == ["default"] and config.disabled_toolsets == []
    assert config.tool_pool_size > 0 and config.use_managed_server is None


def test_terminal_settings_are_exported_for_the_sandbox_table(server, env_tokenizer_dir, monkeypatch):
    monkeypatch.delenv("TERMINAL_TIMEOUT", raising=False)
    timeouts = {"terminal_timeout": 12.5, "terminal_lifetime": 300}
    make_env(FileEnv, server, env_tokenizer_dir, terminal_backend="local", **timeouts)
    assert os.environ["TERMINAL_ENV"] == "local"
    assert os.environ["TERMINAL_TIMEOUT"] == "12.5"
    assert os.environ["TERMINAL_LIFETIME_SECONDS"] == "300"


# -- rollouts (phase 1) ---------------------------------------------------------------------------------


def test_group_scores_tokens_masks_and_messages(server, env_tokenizer_dir, caplog):
    server.responder = Writer()
    env = make_env(FileEnv, server, env_tokenizer_dir)
    with caplog.at_level(logging.INFO, logger="hermes.envs"):
        group, backlog = collect(env)
    assert backlog == []
    assert sorted(group["scores"]) == [0.0, 1.0]
    assert "server_type 'openai' cannot return token ids" in caplog.text  # why phase 1, said once
    assert caplog.text.count("phase 1 (tokens rebuilt") == 1
    for tokens, masks, messages in zip(group["tokens"], group["masks"], group["messages"], strict=True):
        assert len(tokens) == len(masks) and any(m != IGNORE for m in masks)
        trained = env.tokenizer.decode([m for m in masks if m != IGNORE], skip_special_tokens=False)
        assert "printf" in trained and "done" in trained and "Write hello" not in trained
        assert [m["role"] for m in messages] == ["user", "assistant", "tool", "assistant"]
        json.dumps(messages)
    assert group["inference_logprobs"] is None  # phase 1 has no logprobs to give
    # each rollout had its own sandbox, cleaned up afterwards
    assert len(set(env.seen_cwds)) == 2
    assert not any(os.path.exists(d) for d in env.seen_cwds)
    assert leftover_sandboxes("filetest") == []
    # the tools offered were the enabled toolset's
    first = server.requests[0]
    assert [t["function"]["name"] for t in first["tools"]] == ["terminal"]
    assert first["temperature"] == 1.0


def test_system_prompt_and_message_list_prompts(server, env_tokenizer_dir):
    env = make_env(FileEnv, server, env_tokenizer_dir, system_prompt="Be terse.")
    assert env.initial_messages({"path": "a", "text": "b"})[0] == {"role": "system", "content": "Be terse."}
    env.format_prompt = lambda item: [{"role": "user", "content": "given"}]
    assert env.initial_messages({}) == [{"role": "user", "content": "given"}]


def test_metrics_reach_wandb_when_enabled(server, env_tokenizer_dir, monkeypatch):
    import atroposlib.envs.base as atropos_base

    logged = []
    monkeypatch.setattr(atropos_base.wandb, "log", lambda metrics, step=None: logged.append(metrics))
    server.responder = Writer()
    env = make_env(FileEnv, server, env_tokenizer_dir)
    collect(env)
    asyncio.run(env.wandb_log({}))
    assert logged == []  # use_wandb is off: nothing sent
    collect(env)
    env.config.use_wandb = True
    asyncio.run(env.wandb_log({}))
    (metrics,) = logged
    assert metrics["train/reward_mean"] == 0.5
    assert metrics["train/tool_calls_per_rollout"] == 1.0
    assert metrics["train/tool_execution_errors_rate"] == 0.0
    assert metrics["train/tool_schema_valid_rate"] == 1.0
    assert metrics["train/turns_mean"] == 2.0
    assert env.agent_metrics() == {}  # reset after logging


def test_summarise_rates():
    stats = [
        {
            "reward": 1.0,
            "turns": 3,
            "finished": True,
            "phase": 2,
            "tool": {"attempted": 3, "schema_valid": 2, "executed_ok": 2, "execution_errors": 1},
        },
        {"reward": 0.0, "turns": 1, "finished": False, "phase": 1, "tool": {}},
    ]
    out = summarise(stats)
    assert out["reward_mean"] == 0.5 and out["turns_mean"] == 2 and out["phase2_fraction"] == 0.5
    assert out["tool_calls_per_rollout"] == 1.5 and out["tool_execution_errors_rate"] == pytest.approx(1 / 3)
    assert summarise([]) == {}


def test_evaluate_items_logs_metrics_and_samples(server, env_tokenizer_dir, tmp_path):
    server.responder = Writer()
    env = make_env(FileEnv, server, env_tokenizer_dir, data_dir_to_save_evals=str(tmp_path / "evals"))

    async def go():
        await env.setup()
        return await env.evaluate()

    metrics = asyncio.run(go())
    assert metrics["eval/percent_correct"] == 0.5 and metrics["eval/failed_rollouts"] == 0
    saved = json.loads((tmp_path / "evals" / "metrics.json").read_text())
    assert saved["results"]["all"]["eval/percent_correct"] == 0.5
    samples = (tmp_path / "evals" / "samples.jsonl").read_text().splitlines()
    assert sorted(json.loads(s)["score"] for s in samples) == [0.0, 1.0]
    assert server.requests[0].get("temperature") == 1.0
    assert leftover_sandboxes("filetest") == []


# -- failures: the sandbox is released on every path -------------------------------------------------


def test_reward_that_raises_drops_the_group_and_cleans_up(server, env_tokenizer_dir, caplog):
    server.responder = Writer()
    env = make_env(RaisingRewardEnv, server, env_tokenizer_dir, max_consecutive_failures=2)
    with caplog.at_level(logging.WARNING, logger="hermes.envs"):
        group, _ = collect(env)
    assert group is None
    assert "reward bug" in caplog.text
    assert leftover_sandboxes("raisingtest") == []
    with pytest.raises(RuntimeError, match="2 groups in a row failed"):
        collect(env)  # a broken env stops instead of spinning forever
    assert leftover_sandboxes("raisingtest") == []


@pytest.mark.slow
def test_server_failing_mid_rollout_still_cleans_up(server, env_tokenizer_dir):
    first_turns = itertools.count()

    def flaky(body):
        if any(m["role"] == "tool" for m in body["messages"]):
            return error(400, "the model server fell over")
        next(first_turns)
        return reply(tool_calls=[("terminal", {"command": "printf hello > out.txt"})])

    server.responder = flaky
    env = make_env(FileEnv, server, env_tokenizer_dir)
    group, _ = collect(env)
    # the tool ran and the file is right, so the partial trajectories are scored; the sandboxes are gone
    assert group is not None and group["scores"] == [1.0, 1.0]
    assert leftover_sandboxes("filetest") == []


@pytest.mark.slow
def test_no_reply_at_all_is_a_failed_rollout(server, env_tokenizer_dir, caplog):
    server.responder = lambda body: error(400, "bad request, always")
    env = make_env(FileEnv, server, env_tokenizer_dir)
    with caplog.at_level(logging.WARNING, logger="hermes.envs"):
        group, _ = collect(env)
    assert group is None and "no model reply" in caplog.text
    assert leftover_sandboxes("filetest") == []


def test_cancelled_rollout_cleans_up(server, env_tokenizer_dir):
    server.responder = lambda body: reply(tool_calls=[("terminal", {"command": "touch started; sleep 30"})])
    env = make_env(FileEnv, server, env_tokenizer_dir)

    async def go():
        await env.setup()
        task = asyncio.create_task(env.run_agent(env.items[0]))
        for _ in range(200):  # until the tool is running in its sandbox
            await asyncio.sleep(0.05)
            active = [t for t in sandbox_table().active() if t.startswith("filetest")]
            if active and os.path.exists(os.path.join(sandbox_table().get(active[0]).cwd, "started")):
                break
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(go())
    assert leftover_sandboxes("filetest") == []


def test_tool_pool_size_sizes_the_default_executor(server, env_tokenizer_dir):
    env = make_env(FileEnv, server, env_tokenizer_dir, tool_pool_size=3)

    async def go():
        env._ensure_executor()
        loop = asyncio.get_running_loop()
        return loop._default_executor._max_workers

    assert asyncio.run(go()) == 3


# -- import hygiene -----------------------------------------------------------------------------------


def test_core_and_plugin_listing_never_import_atroposlib():
    code = (
        "import sys, hermes_core, hermes_envs\n"
        "from hermes_core.plugins import get_hermes\n"
        "host = get_hermes(); host.environments.names()\n"
        "from click.testing import CliRunner\n"
        "from hermes_core.cli import cli\n"
        "CliRunner().invoke(cli, ['plugins', 'list']); CliRunner().invoke(cli, ['env', 'list'])\n"
        "heavy = ('atroposlib', 'transformers', 'math_verify')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.strip() == "[]"
