"""Same reward everywhere: one fixed GSM8K transcript scored in-process and through the atroposlib, OpenEnv
and TRL adapters (each driven by its trainer's own client code where it runs here)."""

from __future__ import annotations

import asyncio

import pytest

pytest.importorskip("hermes_tools_terminal.local", reason="hermes-tools-terminal provides the local backend")

from hermes_env_gsm8k.environment import GSM8K

from hermes_envs.episode import score_transcript
from hermes_testkit import env_adapters
from hermes_testkit.openai_server import tool_call


def transcript(answer: str) -> tuple[dict, list[dict]]:
    """Janet's ducks (gold 18): the python tool really runs, then the boxed ``answer``."""
    environment = GSM8K()
    row = environment.rows("test")[0]
    call = tool_call("python", {"code": "print(16 - 3 - 4)"})
    return row, [
        *environment.start(row).messages,
        {"role": "assistant", "content": "Let me compute.", "tool_calls": [call]},
        {"role": "tool", "tool_call_id": call["id"], "content": '{"output": "9\\n", "exit_code": 0}'},
        {"role": "assistant", "content": f"9 eggs at $2: \\boxed{{{answer}}}"},
    ]


CASES = [("18", 1.0), ("19", 0.0)]


@pytest.fixture(scope="module")
def served():
    pytest.importorskip("openenv", reason="the OpenEnv adapter needs openenv-core")
    with env_adapters.served_environment("gsm8k") as url:
        yield url


@pytest.mark.parametrize(("answer", "reward"), CASES)
def test_in_process(answer, reward, env_local_backend):
    row, messages = transcript(answer)
    assert asyncio.run(score_transcript(GSM8K(), row, messages)) == reward


@pytest.mark.parametrize(("answer", "reward"), CASES)
def test_atroposlib(answer, reward, env_tokenizer_dir, env_local_backend):
    pytest.importorskip("atroposlib", reason="the atroposlib adapter needs atroposlib")
    from hermes_env_gsm8k.env import GSM8KEnv

    row, messages = transcript(answer)
    assert env_adapters.reward_via_atropos(GSM8KEnv, env_tokenizer_dir, row, messages) == reward


@pytest.mark.parametrize(("answer", "reward"), CASES)
def test_openenv(answer, reward, served):
    row, messages = transcript(answer)
    assert env_adapters.reward_via_openenv(served, row, messages) == reward


@pytest.mark.parametrize(("answer", "reward"), CASES)
def test_trl(answer, reward, env_local_backend):
    row, messages = transcript(answer)
    assert env_adapters.reward_via_trl("gsm8k", row, messages) == reward
