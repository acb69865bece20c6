"""Rollout recording: chat mode records what the agent sent and got; completions mode records phase-2
tokens, masks and logprobs, and an environment turns the recording into a scored group."""

from __future__ import annotations

import json
import re
import time

import httpx
import openai
import pytest
from hermes_serve.recording import file_name, load_rollouts, read_session
from serve_kit import USER, WEATHER_TOOLS, accumulate, answer, completions_route, serve_in_thread

from hermes_testkit.openai_server import ScriptedOpenAIServer

IGNORE = -100
LOGPROB = -0.5


def test_chat_mode_records_each_exchange_per_session(serve, tmp_path):
    server = serve(record_dir=tmp_path)
    headers = {"X-Session-Id": "agent/run 1"}
    api = openai.OpenAI(base_url=server.url + "/v1", api_key="x", max_retries=0, default_headers=headers)
    api.chat.completions.create(model="m", messages=USER, tools=WEATHER_TOOLS)
    accumulate(api.chat.completions.create(model="m", messages=USER, tools=WEATHER_TOOLS, stream=True))
    other = openai.OpenAI(base_url=server.url + "/v1", api_key="x", max_retries=0)
    other.chat.completions.create(model="m", messages=USER, tools=WEATHER_TOOLS, user="run-2")

    first, second = read_session(tmp_path / file_name("agent/run 1"))
    assert file_name("agent/run 1") != "agent_run_1.jsonl"  # unsafe characters are never a path
    (third,) = read_session(tmp_path / "run-2.jsonl")
    for record in (first, second, third):
        assert record["messages"] == USER and record["tools"] == WEATHER_TOOLS
        assert record["raw"].startswith("Let me check the weather.\n<tool_call>")
        assert record["parsed"]["content"] == "Let me check the weather."
        (call,) = record["parsed"]["tool_calls"]
        assert json.loads(call["function"]["arguments"]) == {"city": "Paris", "days": 3}
        assert record["finish_reason"] == "tool_calls" or record["stream"]
    assert (first["stream"], second["stream"], second["status"]) == (False, True, "complete")
    rollouts = {r.session: r for r in load_rollouts(tmp_path)}
    assert rollouts["run-2"].messages[-1]["tool_calls"][0]["function"]["name"] == "get_weather"
    assert rollouts["agent/run 1"].exchanges == 2


class RawModel:
    """Turn 1: a hermes ``<tool_call>`` (special tokens in the test tokenizer); turn 2: an answer that is
    right for odd sessions and wrong for even ones (so the group has two different scores)."""

    def __call__(self, prompt: str) -> str:
        responses = re.findall(r"<tool_response>(.*?)</tool_response>", prompt, re.DOTALL)
        if not responses:
            call = {"name": "get_weather", "arguments": {"city": "Paris", "days": 3}}
            return f"Checking.<tool_call>{json.dumps(call)}</tool_call>"
        temperature = json.loads(responses[-1])["celsius"]
        wrong = "even" in prompt
        return f"<think>the tool said {temperature}</think>It is {temperature + (5 if wrong else 0)} C."


def run_agent(api: openai.OpenAI, session: str, stream: bool) -> list[dict]:
    """An outside agent's loop: call the model, run the tool it asks for, call it again."""
    messages = [{"role": "user", "content": f"Weather in Paris? ({session})"}]
    headers = {"X-Session-Id": session}
    for _ in range(2):
        if stream:
            got = accumulate(
                api.chat.completions.create(
                    model="m", messages=messages, tools=WEATHER_TOOLS, stream=True, extra_headers=headers
                )
            )
            calls = [
                {"id": i, "type": "function", "function": {"name": n, "arguments": json.dumps(a)}}
                for i, (n, a) in zip(got["ids"], got["calls"], strict=True)
            ]
            message = {
                "role": "assistant",
                "content": got["content"],
                **({"tool_calls": calls} if calls else {}),
            }
        else:
            reply = api.chat.completions.create(
                model="m", messages=messages, tools=WEATHER_TOOLS, extra_headers=headers
            )
            message = reply.choices[0].message.model_dump(exclude_none=True)
        messages.append(message)
        for call in message.get("tool_calls") or ():
            messages.append(
                {"role": "tool", "tool_call_id": call["id"], "content": json.dumps({"celsius": 21})}
            )
    return messages


def test_completions_mode_records_phase2_tokens_and_an_env_scores_them(env_tokenizer_dir, tmp_path):
    pytest.importorskip("hermes_envs.managed")
    from hermes_serve.config import ServeConfig

    record = tmp_path / "rollouts"
    with ScriptedOpenAIServer() as upstream:
        upstream.routes["/v1/completions"] = completions_route(env_tokenizer_dir, RawModel(), LOGPROB)
        config = ServeConfig(
            upstream=upstream.base_url,
            parser="hermes",
            port=0,
            upstream_mode="completions",
            tokenizer=env_tokenizer_dir,
            record_dir=record,
        )
        server = serve_in_thread(config)
        try:
            api = openai.OpenAI(base_url=server.url + "/v1", api_key="x", max_retries=0)
            odd = run_agent(api, "odd-1", stream=False)
            even = run_agent(api, "even-2", stream=True)
        finally:
            server.stop()
        prompts = [r["prompt"] for r in upstream.requests]
        sampling = {
            (r.get("max_tokens"), r.get("logprobs"), r.get("return_token_ids")) for r in upstream.requests
        }
    assert sampling == {(4096, 1, True)}  # never vLLM's /completions default of 16 tokens

    # the agent saw real tool calls parsed from raw text, in both modes
    for messages in (odd, even):
        assert messages[1]["content"] == "Checking."
        assert json.loads(messages[1]["tool_calls"][0]["function"]["arguments"]) == {
            "city": "Paris",
            "days": 3,
        }
    assert odd[-1]["content"] == "<think>the tool said 21</think>It is 21 C."
    # the second prompt extends the first prompt + completion exactly (one sequence, no drift)
    assert all(isinstance(p, list) for p in prompts) and len(prompts) == 4
    first = read_session(record / "odd-1.jsonl")[0]
    assert prompts[1][: len(first["tokens"])] == first["tokens"]

    rollouts = {r.session: r for r in load_rollouts(record)}
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(env_tokenizer_dir)
    for rollout in rollouts.values():
        assert rollout.exchanges == 2 and len(rollout.tokens) == len(rollout.masks) == len(rollout.logprobs)
        trained = tokenizer.decode([m for m in rollout.masks if m != IGNORE], skip_special_tokens=False)
        assert trained.startswith("Checking.<tool_call>{") and "</tool_call><|im_end|>" in trained
        assert trained.endswith(" C.<|im_end|>")
        assert {lp for lp, m in zip(rollout.logprobs, rollout.masks, strict=True) if m != IGNORE} == {LOGPROB}
        assert {lp for lp, m in zip(rollout.logprobs, rollout.masks, strict=True) if m == IGNORE} == {1.0}
        assert rollout.tokens[-1] == tokenizer.eos_token_id

    group = score_with_an_environment(record, env_tokenizer_dir)
    assert sorted(group["scores"]) == [0.0, 1.0]
    assert group["tokens"] == [rollouts[s].tokens for s in ("even-2", "odd-1")]
    assert group["inference_logprobs"] == [rollouts[s].logprobs for s in ("even-2", "odd-1")]


def score_with_an_environment(record, tokenizer_dir):
    """A ``HermesAgentBaseEnv`` whose group is the recorded sessions, scored by its reward function."""
    pytest.importorskip("atroposlib")
    from atroposlib.envs.base import ScoredDataGroup

    from hermes_envs.base import HermesAgentBaseEnv
    from hermes_testkit.envs import collect_group, make_env

    class ServedWeatherEnv(HermesAgentBaseEnv):
        name = "served-weather"

        async def setup(self):
            pass

        async def get_next_item(self):
            return {"celsius": 21}

        async def evaluate(self, *args, **kwargs):
            return {}

        def score(self, item, messages):
            return 1.0 if f"It is {item['celsius']} C." in (messages[-1].get("content") or "") else 0.0

        async def collect_trajectories(self, item):
            rollouts = load_rollouts(record)
            group = ScoredDataGroup(
                tokens=[r.tokens for r in rollouts],
                masks=[r.masks for r in rollouts],
                scores=[self.score(item, r.messages) for r in rollouts],
                messages=[r.messages for r in rollouts],
                inference_logprobs=[r.logprobs for r in rollouts],
            )
            return group, []

    env = make_env(ServedWeatherEnv, "http://127.0.0.1:9/v1", tokenizer_dir)
    _, group, _ = collect_group(env)
    return group


def test_recording_a_cut_stream_says_so(serve, upstream, tmp_path):
    upstream.responder = lambda body: answer("word " * 500, chunk=5, chunk_delay=0.01)
    server = serve(record_dir=tmp_path)
    body = {"model": "m", "messages": USER, "tools": WEATHER_TOOLS, "stream": True}
    with httpx.stream("POST", server.url + "/v1/chat/completions", json=body) as response:
        for index, _ in enumerate(response.iter_lines()):
            if index > 3:
                break
    path, records = tmp_path / "default.jsonl", []
    deadline = time.monotonic() + 20  # the proxy records once it has seen the disconnect
    while not records and time.monotonic() < deadline:
        time.sleep(0.02)
        records = read_session(path) if path.exists() else []
    (record,) = records
    assert record["status"] == "client_disconnected" and record["raw"].startswith("word word")
