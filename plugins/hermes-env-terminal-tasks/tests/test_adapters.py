"""Same reward everywhere: one fixed terminal-task transcript (the file is really written in the episode's
sandbox, and the score reads it back) in-process and through the atroposlib, OpenEnv and TRL adapters."""

from __future__ import annotations

import asyncio

import pytest

pytest.importorskip("hermes_tools_terminal.local", reason="hermes-tools-terminal provides the tools")

from hermes_env_terminal_tasks.environment import TerminalTasks

from hermes_envs.episode import score_transcript
from hermes_testkit import env_adapters
from hermes_testkit.openai_server import tool_call


def transcript(content: str) -> tuple[dict, list[dict]]:
    """hello.txt must hold "Hello, hermes!": 1.0 exact, 0.5 when it only contains it, 0.0 otherwise."""
    environment = TerminalTasks()
    row = environment.rows()[0]
    call = tool_call("write_file", {"path": "hello.txt", "content": content})
    return row, [
        *environment.start(row).messages,
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": call["id"], "content": '{"ok": true}'},
        {"role": "assistant", "content": "Wrote hello.txt."},
    ]


CASES = [("Hello, hermes!", 1.0), ("Well: Hello, hermes! Bye.", 0.5), ("nope", 0.0)]


@pytest.fixture(scope="module")
def served():
    pytest.importorskip("openenv", reason="the OpenEnv adapter needs openenv-core")
    with env_adapters.served_environment("terminal_tasks") as url:
        yield url


@pytest.mark.parametrize(("content", "reward"), CASES)
def test_in_process(content, reward):
    row, messages = transcript(content)
    assert asyncio.run(score_transcript(TerminalTasks(), row, messages)) == reward


@pytest.mark.parametrize(("content", "reward"), CASES)
def test_atroposlib(content, reward, env_tokenizer_dir):
    pytest.importorskip("atroposlib", reason="the atroposlib adapter needs atroposlib")
    from hermes_env_terminal_tasks.env import TerminalTasksEnv

    row, messages = transcript(content)
    assert env_adapters.reward_via_atropos(TerminalTasksEnv, env_tokenizer_dir, row, messages) == reward


@pytest.mark.parametrize(("content", "reward"), CASES)
def test_openenv(content, reward, served):
    row, messages = transcript(content)
    assert env_adapters.reward_via_openenv(served, row, messages) == reward


@pytest.mark.parametrize(("content", "reward"), CASES)
def test_trl(content, reward):
    row, messages = transcript(content)
    assert env_adapters.reward_via_trl("terminal_tasks", row, messages) == reward
