"""Agent-loop benchmark: per-turn overhead, concurrent throughput, and truncation vs the reference.

    python benchmarks/agent_loop.py            # the full run, about a minute on 2 cores
    python benchmarks/agent_loop.py --quick    # a smoke run (CI)

1. Overhead per tool turn: the loop's own cost with an in-process instant client (no HTTP), and a whole
   tool turn through the real ``openai`` client against the loopback scripted server (an instant model),
   next to a bare ``chat.completions.create`` round trip on the same server.
2. Lifecycle hooks: the loop's own cost per tool turn with no hook implemented and with three no-op
   hook plugins (``hermes_testkit.hooks.NoopHooks``), measured interleaved in the same run.
3. Parallel tool calls: one turn calling a 100 ms tool four times, run concurrently (the default) and
   one at a time (``max_parallel_tools=1``), with an async and with a sync (thread pool) tool.
4. Throughput with 1, 64 and 512 concurrent runs in one process (each run: two tool turns and an
   answer), as runs/s and as a ratio to the single-run figure. The server runs in a child process so its
   threads do not share the benchmark's GIL.
5. Truncation of 1k and 10k message conversations that must lose about half their tokens: ours (one
   estimate per message, incremental total) against the reference algorithm (re-estimate the whole
   conversation after every change), in the same run, with their outputs checked equal.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import statistics
import sys
import time
from typing import Any

from hermes_agent_loop import AgentLoop
from hermes_agent_loop.hooks import RunHooks
from hermes_agent_loop.truncation import estimate_tokens, truncate_messages
from hermes_testkit.truncation import make_conversation, reference_truncate

TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "echo",
            "description": "echo text",
            "parameters": {
                "type": "object",
                "properties": {"text": {"type": "string"}},
                "required": ["text"],
            },
        },
    }
]


def bench_truncation(sizes: list[int]) -> list[dict[str, Any]]:
    rows = []
    for n in sizes:
        messages = make_conversation(n)
        budget = sum(estimate_tokens(m) for m in messages) // 2
        ours_times = []
        for _ in range(5):
            started = time.perf_counter()
            ours = truncate_messages(messages, budget)
            ours_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        reference = reference_truncate(messages, budget)
        reference_time = time.perf_counter() - started
        assert ours == reference, "ours and the reference disagree"
        ours_ms = statistics.median(ours_times) * 1000
        rows.append(
            {
                "messages": n,
                "kept": len(ours),
                "ours_ms": round(ours_ms, 2),
                "reference_ms": round(reference_time * 1000, 1),
                "speedup": round(reference_time * 1000 / ours_ms, 1),
            }
        )
    return rows


# -- an instant model ---------------------------------------------------------------------------------


def instant_model(body: dict[str, Any]):
    """Calls ``echo`` until the run has made ``turns`` calls (the first user message says how many)."""
    from hermes_testkit.openai_server import reply

    messages = body["messages"]
    spec = dict(
        part.split("=") for part in next(m["content"] for m in messages if m["role"] == "user").split()
    )
    wanted, delay = int(spec["turns"]), float(spec.get("delay", 0))
    made = sum(1 for m in messages if m["role"] == "assistant")
    if made < wanted:
        return reply(tool_calls=[("echo", {"text": f"turn {made}"})], delay=delay)
    return reply("done", delay=delay)


def _serve(conn) -> None:
    from hermes_testkit.openai_server import ScriptedOpenAIServer

    server = ScriptedOpenAIServer()
    server.responder = instant_model
    server.keep_requests = False
    server.start()
    conn.send(server.base_url)
    conn.recv()  # until the parent says stop
    server.stop()


async def echo_handler(name: str, args: dict[str, Any], task_id: str | None) -> str:
    return json.dumps({"echo": args.get("text")})


def _client(base_url: str):
    import openai

    return openai.AsyncOpenAI(base_url=base_url, api_key="x", max_retries=0)


class InstantClient:
    """An in-process ``chat.completions.create`` answering instantly with real ``openai`` objects."""

    def __init__(self) -> None:
        from openai.types.chat import ChatCompletion

        from hermes_testkit.openai_server import reply

        self.call = ChatCompletion.model_validate(reply(tool_calls=[("echo", {"text": "x"})]).body("m"))
        self.answer = ChatCompletion.model_validate(reply("done").body("m"))
        self.turns = 0
        self.chat = self
        self.completions = self

    async def create(self, **kwargs: Any):
        made = sum(1 for m in kwargs["messages"] if m["role"] == "assistant")
        return self.call if made < self.turns else self.answer


async def bench_overhead(base_url: str, turns: int) -> dict[str, float]:
    fake = InstantClient()
    fake.turns = turns
    loop = AgentLoop(fake, model="m", tools=TOOLS, tool_handler=echo_handler)
    prompt = [{"role": "user", "content": f"turns={turns}"}]
    await loop.run(prompt)  # warm up
    samples = []
    for _ in range(5):
        started = time.perf_counter()
        result = await loop.run(prompt)
        samples.append((time.perf_counter() - started) / (turns + 1))
        assert result.metrics.executed_ok == turns
    in_process = statistics.median(samples)

    client = _client(base_url)
    loop = AgentLoop(client, model="m", tools=TOOLS, tool_handler=echo_handler)
    await loop.run(prompt)
    samples = []
    for _ in range(3):
        started = time.perf_counter()
        result = await loop.run(prompt)
        samples.append((time.perf_counter() - started) / (turns + 1))
        assert result.metrics.executed_ok == turns, result.error
    http_turn = statistics.median(samples)
    bare = []  # the same requests the loop made, sent with the bare client: what the loop adds over it
    requests = [result.messages[: 2 * k + 1] for k in range(turns + 1)]
    for _ in range(3):
        started = time.perf_counter()
        for messages in requests:
            await client.chat.completions.create(model="m", messages=messages, tools=TOOLS)
        bare.append((time.perf_counter() - started) / len(requests))
    await client.close()
    return {
        "loop_overhead_us": round(in_process * 1e6, 1),
        "http_turn_us": round(http_turn * 1e6, 1),
        "bare_create_us": round(statistics.median(bare) * 1e6, 1),
    }


async def bench_throughput(
    base_url: str, concurrency: int, runs: int, turns: int, delay: float = 0.0, per_client: int | None = None
) -> dict[str, Any]:
    """``per_client``: runs sharing one ``AsyncOpenAI`` (None: all share one)."""
    shards = -(-concurrency // per_client) if per_client else 1
    clients = [_client(base_url) for _ in range(shards)]
    loops = [AgentLoop(c, model="m", tools=TOOLS, tool_handler=echo_handler) for c in clients]
    prompt = [{"role": "user", "content": f"turns={turns} delay={delay}"}]
    await loops[0].run(prompt)
    pending = iter(range(runs))
    failures = []

    async def worker(loop: AgentLoop) -> None:
        for _ in pending:
            result = await loop.run(prompt)
            if result.error or result.metrics.executed_ok != turns:
                failures.append(result.error)

    started = time.perf_counter()
    await asyncio.gather(*(worker(loops[i % shards]) for i in range(concurrency)))
    elapsed = time.perf_counter() - started
    for client in clients:
        await client.close()
    assert not failures, failures[:3]
    return {
        "concurrency": concurrency,
        "runs": runs,
        "clients": shards,
        "seconds": round(elapsed, 2),
        "runs_per_s": runs / elapsed,
    }


async def bench_hooks(turns: int, rounds: int) -> dict[str, float]:
    """Per tool turn: no hook implemented vs three no-op plugins implementing every lifecycle hook."""
    from hermes_core.plugins import Hermes
    from hermes_testkit.hooks import NoopHooks

    with_three = Hermes()
    for index in range(3):
        with_three.register(NoopHooks(), name=f"noop-{index}")
    fake = InstantClient()
    fake.turns = turns
    prompt = [{"role": "user", "content": "go"}]
    loops = {
        "none": AgentLoop(fake, model="m", tools=TOOLS, tool_handler=echo_handler, hooks=RunHooks(Hermes())),
        "three": AgentLoop(
            fake, model="m", tools=TOOLS, tool_handler=echo_handler, hooks=RunHooks(with_three)
        ),
    }
    samples: dict[str, list[float]] = {name: [] for name in loops}
    for loop in loops.values():
        await loop.run(prompt)  # warm up
    for _ in range(rounds):  # interleaved, so drift on a busy machine hits both alike
        for name, loop in loops.items():
            started = time.perf_counter()
            result = await loop.run(prompt)
            samples[name].append((time.perf_counter() - started) / (turns + 1))
            assert result.metrics.executed_ok == turns
    none, three = (min(samples[name]) for name in ("none", "three"))  # best of N: a busy machine only adds
    calls_per_turn = 3 * 5  # pre/post llm, pre/post tool, transform: per plugin, per tool turn
    return {
        "none_us": round(none * 1e6, 1),
        "three_noop_plugins_us": round(three * 1e6, 1),
        "per_hook_call_us": round((three - none) * 1e6 / calls_per_turn, 2),
    }


class FourCallsClient(InstantClient):
    """One turn calling ``slow`` four times, then the answer."""

    def __init__(self) -> None:
        super().__init__()
        from openai.types.chat import ChatCompletion

        from hermes_testkit.openai_server import reply

        calls = [("slow", {"n": i}) for i in range(4)]
        self.call = ChatCompletion.model_validate(reply(tool_calls=calls).body("m"))
        self.turns = 1


async def bench_parallel_tools(seconds: float = 0.1) -> list[dict[str, Any]]:
    async def slow_async(name: str, args: dict[str, Any], task_id: str | None) -> dict[str, Any]:
        await asyncio.sleep(seconds)
        return {"n": args["n"]}

    def slow_sync(name: str, args: dict[str, Any], task_id: str | None) -> dict[str, Any]:
        time.sleep(seconds)
        return {"n": args["n"]}

    rows = []
    for label, handler in (("async tool", slow_async), ("sync tool", slow_sync)):
        row: dict[str, Any] = {"tool": label}
        for mode, limit in (("parallel", 8), ("one_at_a_time", 1)):
            loop = AgentLoop(
                FourCallsClient(), model="m", tool_handler=handler, max_parallel_tools=limit, hooks=RunHooks()
            )
            started = time.perf_counter()
            result = await loop.run([{"role": "user", "content": "go"}])
            row[f"{mode}_ms"] = round((time.perf_counter() - started) * 1000, 1)
            assert [m["content"] for m in result.messages if m["role"] == "tool"] == [
                json.dumps({"n": i}) for i in range(4)
            ]
        row["speedup"] = round(row["one_at_a_time_ms"] / row["parallel_ms"], 2)
        rows.append(row)
    return rows


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke test")
    parser.add_argument("--json", dest="json_path", help="also write the figures to this file")
    args = parser.parse_args(argv)
    quick = args.quick

    parent, child = multiprocessing.get_context("fork").Pipe()
    server = multiprocessing.get_context("fork").Process(target=_serve, args=(child,), daemon=True)
    server.start()
    base_url = parent.recv()
    report: dict[str, Any] = {}
    try:
        overhead = asyncio.run(bench_overhead(base_url, 5 if quick else 20))
        report["overhead"] = overhead
        print("overhead per tool turn")
        print(f"  loop's own (in-process instant client)  {overhead['loop_overhead_us']:>9.1f} µs")
        print(f"  whole turn via openai + loopback HTTP   {overhead['http_turn_us']:>9.1f} µs")
        print(f"  the same requests, bare create() calls  {overhead['bare_create_us']:>9.1f} µs")

        hooks = asyncio.run(bench_hooks(5 if quick else 20, 5 if quick else 30))
        report["hooks"] = hooks
        print("\nlifecycle hooks, the loop's own cost per tool turn (in-process instant client, best of N)")
        print(f"  no hook implemented                     {hooks['none_us']:>9.1f} µs")
        print(f"  three no-op plugins, every hook         {hooks['three_noop_plugins_us']:>9.1f} µs")
        print(f"  per hook call (15 per tool turn)        {hooks['per_hook_call_us']:>9.2f} µs")

        parallel = asyncio.run(bench_parallel_tools())
        report["parallel_tools"] = parallel
        print("\none turn calling a 100 ms tool four times")
        for row in parallel:
            print(
                f"  {row['tool']:<10}  concurrent {row['parallel_ms']:>7.1f} ms"
                f"  one at a time {row['one_at_a_time_ms']:>7.1f} ms  ×{row['speedup']}"
            )

        plan = [(1, 10, None), (64, 64, None), (512, 512, None), (512, 512, 64)]
        if quick:
            plan[0] = (1, 4, None)
        for label, delay in (("instant model", 0.0), ("model latency 50 ms per reply", 0.05)):
            rows = [asyncio.run(bench_throughput(base_url, c, n, 2, delay, k)) for c, n, k in plan]
            single = rows[0]["runs_per_s"]
            print(f"\nthroughput, {label} (each run: 2 tool turns + answer; server in a child process)")
            for row in rows:
                row["ratio"] = round(row["runs_per_s"] / single, 2)
                row["runs_per_s"] = round(row["runs_per_s"], 1)
                print(
                    f"  {row['concurrency']:>4} concurrent {row['runs']:>4} runs {row['clients']:>2} clients"
                    f"  {row['runs_per_s']:>8.1f} runs/s  ×{row['ratio']:<6} vs 1"
                )
            report["throughput_latency" if delay else "throughput"] = rows
    finally:
        parent.send("stop")
        server.join(5)
        if server.is_alive():
            server.terminate()

    sizes = [1000, 10000] if not quick else [200, 1000]
    truncation = bench_truncation(sizes)
    report["truncation"] = truncation
    print("\ntruncation to half the tokens (median of 5 for ours; reference once)")
    for row in truncation:
        print(
            f"  {row['messages']:>6} messages → {row['kept']:>5}  ours {row['ours_ms']:>8.2f} ms"
            f"  reference {row['reference_ms']:>9.1f} ms  ×{row['speedup']}"
        )
    if args.json_path:
        with open(args.json_path, "w", encoding="utf-8") as handle:
            json.dump(report, handle, indent=2)
    return report


if __name__ == "__main__":
    main(sys.argv[1:])
