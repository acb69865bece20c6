"""Environment benchmark: GSM8K episodes per second served over OpenEnv against the same episodes in-process.

    python benchmarks/envs.py              # 128 episodes each way, 32 at once
    python benchmarks/envs.py --quick      # 32 episodes each way (CI smoke run)

One episode is what a trainer does with ``hermes env serve``: reset on a test row, one assistant message
calling the ``python`` tool (the program really runs in the episode's own local sandbox), one answer,
scored. Served: ``hermes env serve gsm8k`` in a child process, 32 concurrent sessions through openenv-core's
``GenericEnvClient`` (one WebSocket session each, as a trainer's workers would hold them). In-process: the
same episodes through :class:`hermes_envs.episode.Episode`, 32 at once on one event loop. Both measured in
this run; the ratio is served / in-process. Where ``hermes-envs-verifiers`` is installed (its own venv:
verifiers pins openai<3), the same episodes also run through verifiers' own evaluation (``run_eval``, what
``vf-eval`` runs; 32 at once), the model a scripted OpenAI server, and its ratio to in-process is printed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "plugins" / "hermes-testkit"))

CONCURRENCY = 32


def messages(gold: str, index: int) -> list[dict]:
    call = {
        "id": f"call_{index}",
        "type": "function",
        "function": {"name": "python", "arguments": json.dumps({"code": "print(6 * 7)"})},
    }
    answer = gold if index % 2 == 0 else f"{gold}1"
    return [
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "assistant", "content": f"\\boxed{{{answer}}}"},
    ]


def in_process(episodes: int) -> tuple[float, list[float]]:
    from hermes_env_gsm8k.environment import GSM8K

    from hermes_envs.episode import Episode

    environment = GSM8K()
    rows = environment.rows("test")
    limit = asyncio.Semaphore(CONCURRENCY)

    async def one(index: int) -> float:
        async with limit:
            row = rows[index % len(rows)]
            episode = Episode(environment, row)
            try:
                for message in messages(row["gold"], index):
                    await episode.step(message)
                return await episode.reward()
            finally:
                await episode.close()

    async def run() -> list[float]:
        return list(await asyncio.gather(*(one(i) for i in range(episodes))))

    started = time.perf_counter()
    rewards = asyncio.run(run())
    return time.perf_counter() - started, rewards


def served(episodes: int, url: str) -> tuple[float, list[float]]:
    from openenv.core.generic_client import GenericEnvClient

    rows = {}

    def worker(indices: list[int]) -> list[float]:
        out = []
        with GenericEnvClient(base_url=url, message_timeout_s=600).sync() as client:
            for index in indices:
                client.reset(index=index % 1319, split="test")
                gold = rows.setdefault(index, client.state()["row"]["gold"])
                result = None
                for message in messages(gold, index):
                    result = client.step(message)
                out.append(result.reward)
        return out

    shares = [list(range(w, episodes, CONCURRENCY)) for w in range(CONCURRENCY)]
    started = time.perf_counter()
    with ThreadPoolExecutor(CONCURRENCY) as pool:
        results = list(pool.map(worker, shares))
    elapsed = time.perf_counter() - started
    rewards = [0.0] * episodes
    for share, values in zip(shares, results, strict=True):
        for index, value in zip(share, values, strict=True):
            rewards[index] = value
    return elapsed, rewards


def through_verifiers(episodes: int) -> tuple[float, list[float]] | None:
    """The episodes as GSM8K test tasks 0..N-1 of ``vf-eval hermes-envs-verifiers``; ``None`` without it."""
    try:
        from verifiers.v1.cli.eval.runner import run_eval
        from verifiers.v1.configs.cli.eval import EvalConfig
    except ImportError:
        return None
    from hermes_env_gsm8k.environment import GSM8K

    from hermes_testkit.openai_server import Reply, ScriptedOpenAIServer

    rows = GSM8K().rows("test")[:episodes]

    def respond(body: dict) -> Reply:
        user = next(m["content"] for m in body["messages"] if m["role"] == "user")
        index = next(i for i, row in enumerate(rows) if row["question"] in str(user))
        turn = messages(rows[index]["gold"], index)[sum(m["role"] == "assistant" for m in body["messages"])]
        return Reply(content=turn["content"], tool_calls=turn.get("tool_calls") or [])

    with ScriptedOpenAIServer() as server, tempfile.TemporaryDirectory() as out:
        server.responder = respond
        config = EvalConfig(
            env={"taskset": {"id": "hermes-envs-verifiers", "environment": "gsm8k", "split": "test"}},
            select={"limit": episodes},
            max_concurrent=CONCURRENCY,
            model=server.model,
            client={"base_url": server.base_url, "api_key_var": "HERMES_BENCH_NO_KEY"},
            rich=None,
            push=False,
            output_dir=out,
        )
        started = time.perf_counter()
        records = asyncio.run(run_eval(config))
        elapsed = time.perf_counter() - started
    traces = sorted((t for r in records for t in r.traces), key=lambda t: t.task.data.idx)
    return elapsed, [t.reward for t in traces]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="32 episodes each way")
    parser.add_argument("--episodes", type=int, default=None)
    args = parser.parse_args()
    episodes = args.episodes or (CONCURRENCY if args.quick else 128)
    os.environ["TERMINAL_ENV"] = "local"
    os.environ.setdefault("TMPDIR", tempfile.mkdtemp(prefix="hermes-bench-envs-"))

    from hermes_testkit.env_adapters import served_environment

    expected = [1.0 if i % 2 == 0 else 0.0 for i in range(episodes)]
    in_process(CONCURRENCY)  # warm-up, as for the served leg: first imports, first sandboxes
    local_seconds, local_rewards = in_process(episodes)
    assert local_rewards == expected, "in-process rewards differ from the script"
    with served_environment("gsm8k", "--max-sessions", str(2 * CONCURRENCY)) as url:
        served(CONCURRENCY, url)  # warm-up: first imports, first sandboxes
        served_seconds, served_rewards = served(episodes, url)
    assert served_rewards == expected, "served rewards differ from the script"
    local_rate, served_rate = episodes / local_seconds, episodes / served_seconds
    print(
        f"GSM8K episodes (reset, a python tool call, answer, score), {CONCURRENCY} at once, {episodes} each"
    )
    print(f"  in-process (hermes_envs.episode.Episode): {local_rate:8.1f} episodes/s ({local_seconds:.1f} s)")
    print(
        f"  hermes env serve + GenericEnvClient:      {served_rate:8.1f} episodes/s ({served_seconds:.1f} s)"
    )
    print(f"  ratio served / in-process:                {served_rate / local_rate:8.2f}")
    verifiers = through_verifiers(CONCURRENCY) and through_verifiers(episodes)  # after a warm-up
    if verifiers is None:
        print("  verifiers: not installed here (hermes-envs-verifiers has its own venv)")
        return
    verifiers_seconds, verifiers_rewards = verifiers
    assert verifiers_rewards == expected, "verifiers rewards differ from the script"
    verifiers_rate = episodes / verifiers_seconds
    rate = f"{verifiers_rate:8.1f} episodes/s ({verifiers_seconds:.1f} s)"
    print(f"  verifiers run_eval (hermes-envs-verifiers): {rate}")
    print(f"  ratio verifiers / in-process:               {verifiers_rate / local_rate:8.2f}")


if __name__ == "__main__":
    main()
