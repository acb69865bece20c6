"""The GSM8K environment in-process on real atroposlib: a scripted model solves or fails problems."""

from __future__ import annotations

import asyncio
import json

import pytest

pytest.importorskip("atroposlib", reason="the RL environments need atroposlib")
pytest.importorskip("hermes_tools_terminal.local", reason="hermes-tools-terminal provides the local backend")

from hermes_env_gsm8k.data import load_split
from hermes_env_gsm8k.env import GSM8KEnv

from hermes_core.sandboxes import sandbox_table
from hermes_testkit import envs as harness
from hermes_testkit.envs import TokenServer
from hermes_testkit.openai_server import ScriptedOpenAIServer, reply


def make_env(base_url, env_tokenizer_dir, server_type="openai", **overrides):
    settings = {"group_size": 4, **overrides}
    return harness.make_env(
        GSM8KEnv, base_url, env_tokenizer_dir, server_type, model_name="solver", **settings
    )


def run_group(env):
    return harness.collect_group(env)[:2]


class TestGsm8kConformance(harness.EnvironmentConformance):
    """The kit's environment checks: a scripted solver through real atroposlib."""

    env_name = "gsm8k"

    def responder(self, body):
        if not hasattr(self, "_solver"):
            from hermes_env_gsm8k.testing import Gsm8kSolver

            self._solver = Gsm8kSolver()
        return self._solver.chat_responder(body)


def test_defaults_offer_only_the_python_tool():
    config, servers = GSM8KEnv.config_init()
    assert config.wandb_name == "gsm8k" and config.enabled_toolsets == ["gsm8k"]
    assert "\\boxed" in config.system_prompt and config.data_source == "package"


def test_items_come_from_the_train_split_in_a_seeded_order(env_tokenizer_dir):
    env = make_env("http://127.0.0.1:9/v1", env_tokenizer_dir)

    async def first_items(seed):
        env.config.seed = seed
        await env.setup()
        return [await env.get_next_item() for _ in range(3)]

    items = asyncio.run(first_items(0))
    train = {row["question"] for row in load_split("train")}
    assert all(item["question"] in train and item["gold"] for item in items)
    assert asyncio.run(first_items(0)) == items and asyncio.run(first_items(1)) != items


def test_group_rewards_follow_the_tool_output(env_tokenizer_dir, solver_factory):
    solver = solver_factory()
    with ScriptedOpenAIServer() as server:
        server.responder = solver.chat_responder
        env = make_env(server.base_url, env_tokenizer_dir)
        item, group = run_group(env)
    assert group["scores"].count(1.0) == 2 and group["scores"].count(0.0) == 2
    for score, messages in zip(group["scores"], group["messages"], strict=True):
        assert messages[0]["role"] == "system" and messages[1]["content"] == item["question"]
        code = json.loads(messages[2]["tool_calls"][0]["function"]["arguments"])["code"]
        printed = json.loads(messages[3]["content"])["output"].strip()
        assert score == (1.0 if code == f"print({item['gold']})" else 0.0)
        assert messages[4]["content"].endswith(f"\\boxed{{{printed}}}.")
    assert [t for t in sandbox_table().active() if t.startswith("gsm8k-")] == []
    tools = server.requests[0]["tools"]
    assert [t["function"]["name"] for t in tools] == ["python"]


def test_answer_without_the_tool_is_scored_too(env_tokenizer_dir):
    with ScriptedOpenAIServer() as server:
        server.responder = lambda body: reply("I think it is \\boxed{0}")
        env = make_env(server.base_url, env_tokenizer_dir, group_size=2)
        item, group = run_group(env)
    expected = 1.0 if item["gold"] == "0" else 0.0
    assert group["scores"] == [expected, expected]


def test_evaluate_runs_on_the_test_split(env_tokenizer_dir, solver_factory, tmp_path):
    solver = solver_factory(policy=lambda question, attempt: True)
    with ScriptedOpenAIServer() as server:
        server.responder = solver.chat_responder
        env = make_env(server.base_url, env_tokenizer_dir, eval_limit=5, data_dir_to_save_evals=str(tmp_path))

        async def go():
            await env.setup()
            return await env.evaluate()

        metrics = asyncio.run(go())
    test_questions = [row["question"] for row in load_split("test")[:5]]
    asked = {next(m["content"] for m in r["messages"] if m["role"] == "user") for r in server.requests}
    assert asked == set(test_questions)
    assert metrics["eval/percent_correct"] == 1.0 and metrics["eval/rollouts"] == 5
    assert (
        json.loads((tmp_path / "metrics.json").read_text())["results"]["all"]["eval/percent_correct"] == 1.0
    )


def test_phase2_with_exact_tokens(env_tokenizer_dir, solver_factory):
    solver = solver_factory()
    with TokenServer(env_tokenizer_dir, solver.raw_responder) as server:
        env = make_env(server.base_url, env_tokenizer_dir, server_type="vllm", group_size=2)
        _, group = run_group(env)
    assert sorted(group["scores"]) == [0.0, 1.0]
    assert all(len(lp) == len(t) for lp, t in zip(group["inference_logprobs"], group["tokens"], strict=True))
    for messages in group["messages"]:
        assert messages[2]["tool_calls"][0]["function"]["name"] == "python"  # parsed by the hermes parser
