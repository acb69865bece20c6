"""One environment, every trainer: drive a contract environment through each adapter with a fixed transcript.

A transcript is an OpenAI conversation whose starting messages are the environment's own; its assistant
turns are replayed (tool calls really run in the episode's sandbox) and the reward read back:

- :func:`reward_via_atropos` — a real atroposlib env (the adapter class) against the scripted OpenAI server
  playing the transcript's assistant turns;
- :func:`reward_via_openenv` — ``hermes env serve`` in a subprocess, driven by openenv-core's own
  ``GenericEnvClient``;
- :func:`reward_via_trl` — the ``environment_factory`` class driven as TRL's GRPOTrainer drives it (``reset``
  with the dataset row, each tool call as a method call with the arguments as keywords, then the reward
  function with ``environments=`` and the ``completions``);
- :func:`reward_via_verifiers` — verifiers' own evaluation (``run_eval``, what ``vf-eval`` runs) of the
  ``hermes-envs-verifiers`` taskset against the scripted server.

Each adapter's library is imported only by its helper. :class:`AdapterRewardConformance` turns them into
one test per adapter and case for an environment (an adapter whose library is missing skips, saying so).
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any, ClassVar

import pytest

from hermes_testkit.openai_server import Reply, ScriptedOpenAIServer
from hermes_testkit.ports import free_port, listens
from hermes_testkit.processes import stop

HERMES = [sys.executable, "-c", "import sys; from hermes_core.cli import main; main(sys.argv[1:])"]


def assistant_turns(transcript: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [m for m in transcript if m.get("role") == "assistant"]


def replay_responder(transcript: list[dict[str, Any]]) -> Callable[[dict[str, Any]], Reply]:
    """A scripted model: a request holding ``n`` assistant messages gets the transcript's ``n``-th one."""
    turns = assistant_turns(transcript)

    def respond(body: dict[str, Any]) -> Reply:
        done = sum(1 for m in body["messages"] if m.get("role") == "assistant")
        turn = turns[min(done, len(turns) - 1)]
        return Reply(content=turn.get("content"), tool_calls=[dict(c) for c in turn.get("tool_calls") or ()])

    return respond


@contextlib.contextmanager
def served_environment(
    name: str, *args: str, env: dict[str, str] | None = None, timeout: float = 120.0
) -> Iterator[str]:
    """``hermes env serve NAME ARGS`` on a free loopback port until the block ends: its base URL.

    Waits until ``/health`` answers 200 from the server itself (:func:`~hermes_testkit.ports.listens`:
    another process may take the port first; then another port is tried), and stops the server by its
    pid afterwards.
    """
    child_env = {**os.environ, "TERMINAL_ENV": "local", **(env or {})}
    for attempt in range(3):
        port = free_port()
        command = [*HERMES, "env", "serve", name, "--host", "127.0.0.1", "--port", str(port), *args]
        with tempfile.TemporaryFile(mode="w+") as log:  # a pipe nobody reads would stall the server
            process = subprocess.Popen(
                command, env=child_env, stdout=log, stderr=subprocess.STDOUT, text=True
            )
            try:
                if _up(process, port, log, timeout, retry=attempt < 2):
                    yield f"http://127.0.0.1:{port}"
                    return
            finally:
                stop(process, grace=20)


def _up(process: subprocess.Popen, port: int, log: Any, timeout: float, retry: bool) -> bool:
    """Wait until ``process`` answers ``/health`` on ``port`` itself; ``False`` when it could not bind the
    port and ``retry`` allows another try."""

    def output() -> str:
        log.seek(0)
        return log.read()[-3000:]

    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            if retry and "address already in use" in output():
                return False  # taken between our look and the server's bind
            raise RuntimeError(f"hermes env serve exited: {output()}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as response:
                if response.status == 200 and listens(process.pid, port):
                    return True
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"hermes env serve did not answer /health within {timeout:g}s: {output()}")
        time.sleep(0.2)


def play_openenv(client: Any, row: dict[str, Any], transcript: list[dict[str, Any]]) -> Any:
    """Reset ``client`` (a sync ``GenericEnvClient``) on ``row`` and step the transcript's assistant turns
    until done: the last ``StepResult``."""
    result = client.reset(row=row)
    for turn in assistant_turns(transcript):
        result = client.step(turn)
        if result.done:
            return result
    return result


def reward_via_openenv(base_url: str, row: dict[str, Any], transcript: list[dict[str, Any]]) -> float | None:
    from openenv.core.generic_client import GenericEnvClient

    with GenericEnvClient(base_url=base_url).sync() as client:
        result = play_openenv(client, row, transcript)
    assert result.done, "the transcript did not end the episode"
    return result.reward


def reward_via_atropos(
    env_class: type, tokenizer_dir: str, row: dict[str, Any], transcript: list[dict[str, Any]]
) -> float:
    """One rollout of ``row`` by the atroposlib adapter ``env_class``, the model replaying ``transcript``."""
    import asyncio

    from hermes_testkit.envs import make_env

    with ScriptedOpenAIServer() as server:
        server.responder = replay_responder(transcript)
        env = make_env(env_class, server.base_url, tokenizer_dir, group_size=1)
        rollout = asyncio.run(env.run_agent(dict(row)))
    assert rollout.failed is None, rollout.failed
    return rollout.reward


def trl_completion(transcript: list[dict[str, Any]], start: int) -> list[dict[str, Any]]:
    """The messages after the prompt as TRL holds them: tool-call arguments parsed into objects."""
    out = []
    for message in transcript[start:]:
        message = dict(message)
        if message.get("tool_calls"):
            message["tool_calls"] = [
                {
                    **c,
                    "function": {
                        **c["function"],
                        "arguments": json.loads(c["function"]["arguments"] or "{}"),
                    },
                }
                for c in message["tool_calls"]
            ]
        out.append(message)
    return out


def reward_via_trl(name: str, row: dict[str, Any], transcript: list[dict[str, Any]]) -> float:
    """Drive ``hermes_envs.trl.environment_factory(name)`` as GRPOTrainer's tool loop does."""
    import asyncio

    from hermes_envs.trl import ROW_COLUMN, environment_factory, reward

    factory = environment_factory(name)
    environment = factory()
    start = len(environment.environment.start(row).messages)
    assert environment.reset(prompt=transcript[:start], **{ROW_COLUMN: json.dumps(row)}) is None
    completion = trl_completion(transcript, start)

    async def rollout() -> float:
        for message in completion:
            for call in message.get("tool_calls") or ():
                await getattr(environment, call["function"]["name"])(**call["function"]["arguments"])
        (value,) = await reward(
            environments=[environment], completions=[completion], prompts=[transcript[:start]]
        )
        return value

    try:
        return asyncio.run(rollout())
    finally:
        environment._release()


def locate_row(environment: Any, row: dict[str, Any]) -> tuple[str, int]:
    """The split and position of ``row`` among ``environment``'s rows."""
    for split in environment.splits:
        rows = [dict(r) for r in environment.rows(split)]
        if row in rows:
            return split, rows.index(row)
    raise LookupError(f"the row is in no split of environment {environment.name!r}: {row}")


def reward_via_verifiers(name: str, row: dict[str, Any], transcript: list[dict[str, Any]]) -> float:
    """One rollout of ``row`` by verifiers' own evaluation (``run_eval``, the function behind ``vf-eval``)
    of the ``hermes-envs-verifiers`` taskset, the model replaying ``transcript``: the trace's reward."""
    import asyncio

    from verifiers.v1.cli.eval.runner import run_eval
    from verifiers.v1.configs.cli.eval import EvalConfig

    from hermes_envs.contract import load_environment

    split, index = locate_row(load_environment(name), row)
    with ScriptedOpenAIServer() as server, tempfile.TemporaryDirectory() as out:
        server.responder = replay_responder(transcript)
        config = EvalConfig(
            env={"taskset": {"id": "hermes-envs-verifiers", "environment": name, "split": split}},
            select={"include": {"idx": [f"{index}:{index + 1}"]}},
            model=server.model,
            client={"base_url": server.base_url, "api_key_var": "HERMES_TEST_NO_KEY"},
            rich=None,
            push=False,
            output_dir=out,
        )
        episodes = asyncio.run(run_eval(config))
    (trace,) = [trace for episode in episodes for trace in episode.traces]
    assert trace.ok, [error.message for error in trace.errors]
    return trace.reward


class AdapterRewardConformance:
    """Same reward everywhere: one fixed transcript per case scored in-process and through the atroposlib,
    OpenEnv, TRL and verifiers adapters. Subclass it in a test module::

        class TestGsm8kAdapters(AdapterRewardConformance):
            environment_name = "gsm8k"
            cases = [("18", 1.0), ("19", 0.0)]

            def transcript(self, case):  # -> (row, conversation starting with the episode's messages)
                ...

    Tool calls really run in each episode's sandbox (the ``local`` backend). An adapter whose library is
    not installed skips with the reason; the verifiers one needs ``hermes-envs-verifiers``.
    """

    environment_name: ClassVar[str]
    cases: ClassVar[list[tuple[Any, float]]]

    def transcript(self, case: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        raise NotImplementedError

    def pytest_generate_tests(self, metafunc: Any) -> None:
        if "case" in metafunc.fixturenames:
            metafunc.parametrize(("case", "reward"), self.cases, ids=[str(c) for c, _ in self.cases])

    @pytest.fixture(autouse=True)
    def _local_backend(self, env_local_backend: None) -> None:
        """Every adapter's sandboxes on the ``local`` backend."""

    @pytest.fixture(scope="class")
    @classmethod
    def served(cls) -> Iterator[str]:
        pytest.importorskip("openenv", reason="the OpenEnv adapter needs openenv-core")
        with served_environment(cls.environment_name) as url:
            yield url

    def test_in_process(self, case: Any, reward: float) -> None:
        import asyncio

        from hermes_envs.contract import load_environment
        from hermes_envs.episode import score_transcript

        row, messages = self.transcript(case)
        environment = load_environment(self.environment_name)
        assert asyncio.run(score_transcript(environment, row, messages)) == reward

    def test_atroposlib(self, case: Any, reward: float, env_tokenizer_dir: str) -> None:
        pytest.importorskip("atroposlib", reason="the atroposlib adapter needs atroposlib")
        from hermes_envs.atropos import atropos_env
        from hermes_envs.contract import environment_class

        row, messages = self.transcript(case)
        env_class = atropos_env(environment_class(self.environment_name))
        assert reward_via_atropos(env_class, env_tokenizer_dir, row, messages) == reward

    def test_openenv(self, case: Any, reward: float, served: str) -> None:
        row, messages = self.transcript(case)
        assert reward_via_openenv(served, row, messages) == reward

    def test_trl(self, case: Any, reward: float) -> None:
        row, messages = self.transcript(case)
        assert reward_via_trl(self.environment_name, row, messages) == reward

    def test_verifiers(self, case: Any, reward: float) -> None:
        pytest.importorskip(
            "hermes_envs_verifiers",
            reason="the verifiers adapter is hermes-envs-verifiers (verifiers pins openai<3: its own venv)",
        )
        row, messages = self.transcript(case)
        assert reward_via_verifiers(self.environment_name, row, messages) == reward
