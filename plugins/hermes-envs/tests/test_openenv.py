"""``hermes env serve``: a real uvicorn server on 127.0.0.1, driven by openenv-core's ``GenericEnvClient``."""

from __future__ import annotations

import json
import os
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

pytest.importorskip("openenv", reason="the OpenEnv adapter needs openenv-core")
pytest.importorskip("hermes_env_gsm8k", reason="hermes-env-gsm8k provides the environment served")
pytest.importorskip("hermes_env_terminal_tasks", reason="hermes-env-terminal-tasks provides a terminal task")
pytest.importorskip("hermes_tools_terminal.local", reason="hermes-tools-terminal provides the local backend")

from openenv.core.generic_client import GenericEnvClient

from hermes_testkit.env_adapters import served_environment
from hermes_testkit.openai_server import tool_call

SESSIONS = 32


def sandbox_dirs(tmp: str) -> list[str]:
    return sorted(n for n in os.listdir(tmp) if n.startswith("hermes-"))


@pytest.fixture(autouse=True)
def no_client_keepalive(monkeypatch):
    """websockets' client pings every 20 s and drops a connection whose pong is 20 s late: a timing
    assertion that a loaded 2-core CI machine (32 sessions running Python in their sandboxes) can fail.
    The protocol under test is unchanged; only the client's keepalive is off."""
    import functools

    import openenv.core.env_client as env_client

    monkeypatch.setattr(
        env_client, "ws_connect", functools.partial(env_client.ws_connect, ping_interval=None)
    )


@pytest.fixture(scope="module")
def sandbox_tmp(tmp_path_factory) -> str:
    return str(tmp_path_factory.mktemp("served-sandboxes"))


@pytest.fixture(scope="module")
def gsm8k(sandbox_tmp):
    with served_environment("gsm8k", "--max-sessions", "64", env={"TMPDIR": sandbox_tmp}) as url:
        yield url


@pytest.fixture(scope="module")
def terminal_tasks(sandbox_tmp):
    with served_environment("terminal_tasks", env={"TMPDIR": sandbox_tmp}) as url:
        yield url


def client(url: str):
    return GenericEnvClient(base_url=url).sync()


def python_call(code: str) -> dict:
    return {"role": "assistant", "content": None, "tool_calls": [tool_call("python", {"code": code})]}


def test_health_answers_200(gsm8k):
    with urllib.request.urlopen(f"{gsm8k}/health", timeout=10) as response:
        assert response.status == 200


def test_reset_offers_the_starting_messages_and_tools(gsm8k):
    with client(gsm8k) as env:
        result = env.reset(index=0, split="test")
    assert result.done is False and result.reward is None
    roles = [m["role"] for m in result.observation["messages"]]
    assert roles == ["system", "user"] and "Janet" in result.observation["messages"][1]["content"]
    assert [t["function"]["name"] for t in result.observation["tools"]] == ["python"]


@pytest.mark.parametrize(("answer", "reward"), [("18", 1.0), ("19", 0.0)])
def test_gsm8k_right_answer_scores_one_and_wrong_zero(gsm8k, answer, reward):
    with client(gsm8k) as env:
        env.reset(index=0, split="test")  # Janet's ducks: 18
        result = env.step({"role": "assistant", "content": f"The answer is \\boxed{{{answer}}}."})
    assert result.done is True and result.reward == reward
    assert result.observation["scores"] == {"reward": reward}


def test_tool_calls_run_in_the_sessions_sandbox_then_the_answer_ends_it(gsm8k, sandbox_tmp):
    with client(gsm8k) as env:
        env.reset(index=0, split="test")
        result = env.step(python_call("import os; print(16 - 3 - 4, os.getcwd())"))
        assert result.done is False and result.reward is None
        (message,) = result.observation["messages"]
        printed, cwd = json.loads(message["content"])["output"].split()
        assert message["role"] == "tool" and printed == "9"
        assert os.path.isdir(cwd) and cwd.startswith(sandbox_tmp)  # a real sandbox of this server
        final = env.step({"role": "assistant", "content": "\\boxed{18}"})
    assert final.done is True and final.reward == 1.0
    assert not os.path.exists(cwd)  # released when the episode ended


def test_a_terminal_task_whose_tool_calls_really_run(terminal_tasks):
    with client(terminal_tasks) as env:
        result = env.reset(index=0)  # hello.txt containing "Hello, hermes!"
        assert "hello.txt" in result.observation["messages"][-1]["content"]
        names = {t["function"]["name"] for t in result.observation["tools"]}
        assert {"terminal", "write_file", "read_file"} <= names
        call = tool_call("terminal", {"command": "printf 'Hello, hermes!' > hello.txt && ls"})
        step = env.step({"role": "assistant", "content": None, "tool_calls": [call]})
        assert "hello.txt" in json.loads(step.observation["messages"][0]["content"])["output"]
        assert env.state()["step_count"] == 1
        done = env.step({"role": "assistant", "content": "Created hello.txt."})
    assert done.done is True and done.reward == 1.0
    with client(terminal_tasks) as env:
        env.reset(index=0)
        wrong = env.step({"role": "assistant", "content": "I did nothing."})  # no file: the score reads it
    assert wrong.done is True and wrong.reward == 0.0


def test_a_row_given_in_reset_and_a_bad_action(gsm8k):
    with client(gsm8k) as env:
        env.reset(row={"question": "What is 2 + 2?", "gold": "4"})
        assert env.step({"role": "assistant", "content": "\\boxed{4}"}).reward == 1.0
        with pytest.raises(Exception, match="reset first"):
            env.step({"role": "assistant", "content": "again"})


def test_32_concurrent_sessions_each_in_its_own_sandbox(gsm8k, sandbox_tmp):
    def play(index: int) -> tuple[float, str, str]:
        with client(gsm8k) as env:
            env.reset(index=index, split="test")
            episode = env.state()["episode_id"]
            gold = env.state()["row"]["gold"]
            step = env.step(python_call("import os; print(os.getcwd())"))
            content = json.loads(step.observation["messages"][0]["content"])
            assert content["exit_code"] == 0, content
            cwd = content["output"].strip()
            answer = gold if index % 2 == 0 else f"{gold}1"
            result = env.step({"role": "assistant", "content": f"\\boxed{{{answer}}}"})
            assert result.done
            return result.reward, episode, cwd

    with ThreadPoolExecutor(SESSIONS) as pool:
        outcomes = list(pool.map(play, range(SESSIONS)))
    rewards = [r for r, _, _ in outcomes]
    assert rewards == [1.0 if i % 2 == 0 else 0.0 for i in range(SESSIONS)]
    assert len({e for _, e, _ in outcomes}) == SESSIONS  # one episode per session
    assert len({c for _, _, c in outcomes}) == SESSIONS  # one sandbox per session
    assert not any(os.path.exists(c) for _, _, c in outcomes)


def test_a_closed_session_releases_its_sandbox(gsm8k):
    with client(gsm8k) as env:
        env.reset(index=1, split="test")
        step = env.step(python_call("import os; print(os.getcwd())"))
        cwd = json.loads(step.observation["messages"][0]["content"])["output"].strip()
        assert os.path.isdir(cwd)
    # the client closed mid-episode: the server destroys the session and releases the sandbox
    import time

    deadline = time.monotonic() + 30
    while os.path.exists(cwd) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not os.path.exists(cwd)
