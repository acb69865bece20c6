"""Phase 2: exact tokens and logprobs through atroposlib's real VLLMServer + ManagedServer.

The model is a local vLLM-style ``/generate`` server (``hermes_testkit.envs.TokenServer``) that
answers with raw completions: hermes ``<tool_call>`` blocks, which are *special tokens* in the test
tokenizer, parsed client-side by the ``hermes`` parser plugin (no vLLM installed here).
"""

from __future__ import annotations

import json
import logging
import re

import pytest

pytest.importorskip("atroposlib", reason="the RL environments need atroposlib")
pytest.importorskip("hermes_tools_terminal.local", reason="hermes-tools-terminal provides the local backend")

from atroposlib.envs.server_handling.vllm_server import VLLMServer

from hermes_core.sandboxes import sandbox_table
from hermes_envs.base import HermesAgentBaseEnv
from hermes_testkit.envs import TokenServer, build_tokenizer, collect_group
from hermes_testkit.envs import make_env as kit_make_env
from hermes_testkit.openai_server import ScriptedOpenAIServer, reply

IGNORE = -100
LOGPROB = -0.25

pytestmark = pytest.mark.usefixtures("env_local_backend")


class CountEnv(HermesAgentBaseEnv):
    """Count the lines of a file the agent creates; 1.0 when it reports the right number."""

    name = "phase2test"

    async def setup(self) -> None:
        pass

    async def get_next_item(self):
        return {"lines": 3}

    def format_prompt(self, item):
        return f"Create a file with {item['lines']} lines and count them."

    async def compute_reward(self, item, result, ctx):
        return 1.0 if (result.final_response or "").strip().endswith(str(item["lines"])) else 0.0

    async def evaluate(self, *args, **kwargs):
        return {}


class RawModel:
    """First turn: a tool call in hermes format; second: the count the tool printed (or a wrong one)."""

    def __init__(self) -> None:
        self.turn = 0

    def __call__(self, prompt: str) -> str:
        responses = re.findall(r"<tool_response>(.*?)</tool_response>", prompt, re.DOTALL)
        if not responses:
            call = {"name": "terminal", "arguments": {"command": "printf 'a\\nb\\nc\\n' > f && wc -l < f"}}
            return f"Counting.<tool_call>{json.dumps(call)}</tool_call>"
        self.turn += 1
        count = json.loads(responses[-1])["output"].strip()
        return f"<think>wc said {count}</think>Lines: {count if self.turn % 2 else int(count) + 1}"


class NoTokensServer(VLLMServer):
    """A server type that answers chat completions but cannot return token ids (like a custom backend)."""

    async def _tokens_and_logprobs_completion_wrapper(self, **kwargs):
        raise NotImplementedError("this backend has no token ids")


class NoTokensEnv(CountEnv):
    name = "notokenstest"
    server_cls = NoTokensServer


def make_env(cls, base_url, env_tokenizer_dir, server_type="vllm", **overrides):
    settings = {"enabled_toolsets": ["terminal"], "model_name": "raw-model", **overrides}
    return kit_make_env(cls, base_url, env_tokenizer_dir, server_type, **settings)


def collect(env):
    return collect_group(env)[1:]


def test_phase2_exact_tokens_masks_logprobs_and_parsed_tool_calls(env_tokenizer_dir):
    with TokenServer(env_tokenizer_dir, RawModel()) as server:
        env = make_env(CountEnv, server.base_url, env_tokenizer_dir)
        assert env.phase2_unavailable_reason() is None
        group, _ = collect(env)
        requests = list(server.requests)
    assert sorted(group["scores"]) == [0.0, 1.0]
    assert len(requests) == 4  # two turns for each of the two rollouts
    tokenizer = env.tokenizer
    for tokens, masks, logprobs, messages in zip(
        group["tokens"], group["masks"], group["inference_logprobs"], group["messages"], strict=True
    ):
        assert len(tokens) == len(masks) == len(logprobs)
        # the tool call was parsed by hermes's parser out of raw text whose tags are special tokens
        assistant = messages[1]
        assert assistant["content"] == "Counting."
        (call,) = assistant["tool_calls"]
        assert call["function"]["name"] == "terminal"
        assert json.loads(call["function"]["arguments"])["command"].endswith("wc -l < f")
        assert json.loads(messages[2]["content"])["output"].strip() == "3"
        # every generated token trains, with the server's logprob; nothing else does
        trained = tokenizer.decode([m for m in masks if m != IGNORE], skip_special_tokens=False)
        assert trained.startswith("Counting.<tool_call>{") and "</tool_call><|im_end|>" in trained
        assert "<think>wc said 3</think>Lines: " in trained and trained.endswith("<|im_end|>")
        assert {lp for lp, m in zip(logprobs, masks, strict=True) if m != IGNORE} == {LOGPROB}
        assert {lp for lp, m in zip(logprobs, masks, strict=True) if m == IGNORE} == {1.0}
        # the sequence is the last prompt the server saw followed by exactly what it generated
        prompts = [r["prompt"]["prompt_token_ids"] for r in requests]
        last = max((p for p in prompts if tokens[: len(p)] == p), key=len)
        assert len(tokens) > len(last) and tokens[len(last) :] == masks[len(last) :]
        assert tokens[-1] == tokenizer.eos_token_id
    metrics = env.agent_metrics()
    assert metrics["train/phase2_fraction"] == 1.0 and metrics["train/tool_executed_ok_rate"] == 1.0
    assert [t for t in sandbox_table().active() if t.startswith("phase2test")] == []


def test_second_turn_prompt_extends_the_first_sequence(env_tokenizer_dir):
    with TokenServer(env_tokenizer_dir, RawModel()) as server:
        env = make_env(CountEnv, server.base_url, env_tokenizer_dir, group_size=1)
        collect(env)
        first, second = server.requests
    completion = server.tokenizer.encode(
        RawModel()(server.tokenizer.decode(first["prompt"]["prompt_token_ids"], skip_special_tokens=False)),
        add_special_tokens=False,
    ) + [server.tokenizer.eos_token_id]
    prefix = first["prompt"]["prompt_token_ids"] + completion
    assert second["prompt"]["prompt_token_ids"][: len(prefix)] == prefix  # no re-tokenisation drift
    # sampling settings reach vLLM; max_tokens is never left to vLLM's native default of 16
    assert first["temperature"] == 1.0 and first["max_tokens"] == env.config.max_token_length


def test_openai_server_means_phase1_and_a_forced_phase2_warns(env_tokenizer_dir, caplog):
    with ScriptedOpenAIServer() as server:
        env = make_env(
            CountEnv, server.base_url, env_tokenizer_dir, server_type="openai", use_managed_server=True
        )
        with caplog.at_level(logging.INFO, logger="hermes.envs"):
            reason = env.phase2_unavailable_reason()
    assert "server_type 'openai' cannot return token ids" in reason
    assert any(r.levelno == logging.WARNING and "phase 1" in r.message for r in caplog.records)


def test_use_managed_server_off_keeps_phase1(env_tokenizer_dir):
    with ScriptedOpenAIServer() as server:
        env = make_env(NoTokensEnv, server.base_url, env_tokenizer_dir, use_managed_server=False)
        assert env.phase2_unavailable_reason() == "use_managed_server is off"


@pytest.mark.slow
def test_server_without_token_ids_falls_back_to_phase1_with_a_reason(env_tokenizer_dir, caplog):
    def model(body):
        if any(m["role"] == "tool" for m in body["messages"]):
            return reply("Lines: 3")
        return reply(tool_calls=[("terminal", {"command": "printf 'a\\nb\\nc\\n' | wc -l"})])

    with ScriptedOpenAIServer() as server:
        server.responder = model
        env = make_env(NoTokensEnv, server.base_url, env_tokenizer_dir)
        assert env.phase2_unavailable_reason() is None  # nothing tells in advance
        with caplog.at_level(logging.WARNING, logger="hermes.envs"):
            group, _ = collect(env)
    assert group is not None and group["scores"] == [1.0, 1.0]
    assert group["inference_logprobs"] is None  # phase-1 groups carry no logprobs
    assert "falling back to phase 1" in caplog.text and "this backend has no token ids" in caplog.text
    assert "no token ids" in env.phase2_unavailable_reason()
    assert env.agent_metrics()["train/phase2_fraction"] == 0.0
    assert [t for t in sandbox_table().active() if t.startswith("notokenstest")] == []


def test_missing_parser_plugin_means_phase1(env_tokenizer_dir, caplog):
    with TokenServer(env_tokenizer_dir, RawModel()) as server:
        env = make_env(CountEnv, server.base_url, env_tokenizer_dir, tool_call_parser="no_such_parser")
        with caplog.at_level(logging.WARNING, logger="hermes.envs"):
            reason = env.phase2_unavailable_reason()
    assert reason == "tool-call parser 'no_such_parser' is not installed"
    assert "unknown tool-call parser 'no_such_parser'" in caplog.text


def test_templates_that_drop_old_reasoning_still_extend_the_sequence(tmp_path):
    from hermes_testkit.envs import CHAT_TEMPLATE

    # like Qwen3's template: earlier assistant turns lose their <think> block when re-rendered
    forgetful = CHAT_TEMPLATE.replace(
        "{{ m.content or '' }}", "{{ (m.content or '').split('</think>')[-1] }}"
    )
    assert forgetful != CHAT_TEMPLATE
    env_tokenizer_dir = str(build_tokenizer(tmp_path / "tok", chat_template=forgetful))

    def thinking(prompt: str) -> str:
        if "<tool_response>" not in prompt:
            call = {"name": "terminal", "arguments": {"command": "printf 'a\\nb\\nc\\n' | wc -l"}}
            return f"<think>count with wc</think>Counting.<tool_call>{json.dumps(call)}</tool_call>"
        return "Lines: 3"

    with TokenServer(env_tokenizer_dir, thinking) as server:
        env = make_env(CountEnv, server.base_url, env_tokenizer_dir, group_size=1)
        group, _ = collect(env)
        first, second = server.requests
    assert group["scores"] == [1.0]
    seen = first["prompt"]["prompt_token_ids"]
    assert second["prompt"]["prompt_token_ids"][: len(seen)] == seen
    trained = env.tokenizer.decode([m for m in group["masks"][0] if m != IGNORE], skip_special_tokens=False)
    assert trained.startswith("<think>count with wc</think>Counting.<tool_call>") and "Lines: 3" in trained
