"""``hermes serve`` benchmark: latency the proxy adds per request, and its own CPU per request.

    python benchmarks/serve.py            # a few minutes on 2 cores
    python benchmarks/serve.py --quick    # a smoke run (CI)

The upstream (the test kit's ``ScriptedOpenAIServer``, streaming a few characters a chunk as vLLM does)
and the proxy (``hermes serve`` as a user starts it, parser ``hermes``) run in child processes, so
neither shares the client's GIL. The client is a bare ``httpx.AsyncClient`` reading each answer to its
last byte. Requests alternate between the upstream directly and the proxy, so both see the same machine
load, and the ratio of their medians is the figure (goal: p50 <= 1.2x direct).

1. One request at a time: a streamed answer of 50 chunks (text, then a ``<tool_call>``) from an instant
   upstream (the proxy's whole cost exposed), from paced ones (2 ms between chunks, a very fast model;
   10 ms, about 100 tokens/s, fewer requests), and a non-streamed answer.
2. 256 concurrent streaming clients: wall time direct and through the proxy, errors, and every answer
   checked to carry the tool call.

The proxy's CPU per request is its process's user+system time over the requests it served
(``/proc/PID/stat``), measured per phase.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import subprocess
import sys
import time

from hermes_testkit.ports import free_port

TEXT = (
    "I'll look that up for you: the forecast service gives daily figures, so three days it is.\n"
    "<tool_call>\n"
    '{"name": "get_weather", "arguments": {"city": "Paris", "days": 3, "unit": "celsius"}}\n'
    "</tool_call>"
)
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string"}, "days": {"type": "integer"}},
            },
        },
    }
]


def run_upstream(port: int, ready) -> None:
    """Child process: the scripted upstream; ``bench_delay`` in a request paces its chunks."""
    from hermes_testkit.openai_server import Reply, ScriptedOpenAIServer

    upstream = ScriptedOpenAIServer(port=port)
    upstream.responder = lambda body: Reply(TEXT, chunk=4, chunk_delay=float(body.get("bench_delay") or 0.0))
    upstream.keep_requests = False
    upstream.start()
    ready.set()
    while True:
        time.sleep(3600)


def load_average() -> str:
    with open("/proc/loadavg") as handle:
        return handle.read().split()[0]


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def one(http, url: str, body: dict, check: bool = False) -> float:
    """One request read to its last byte; through the proxy the answer must carry a real tool call."""
    start = time.perf_counter()
    async with http.stream("POST", url + "/chat/completions", json=body) as response:
        response.raise_for_status()
        data = b"".join([part async for part in response.aiter_raw()])
    elapsed = time.perf_counter() - start
    if check and b'"tool_calls"' not in data:
        raise AssertionError(f"no tool_calls in the answer from {url}")
    return elapsed


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def sequential(http, direct: str, proxy: str, pid: int, body: dict, n: int) -> dict:
    for _ in range(10):  # warm both paths (connections, caches)
        await one(http, direct, body)
        await one(http, proxy, body, check=True)
    times: dict[str, list[float]] = {"direct": [], "proxy": []}
    cpu = 0.0
    for _ in range(n):
        times["direct"].append(await one(http, direct, body))
        before = cpu_seconds(pid)
        times["proxy"].append(await one(http, proxy, body, check=True))
        cpu += cpu_seconds(pid) - before
    return {
        name: {"p50_ms": pct(v, 0.5) * 1e3, "p99_ms": pct(v, 0.99) * 1e3} for name, v in times.items()
    } | {"proxy_cpu_ms_per_request": cpu / n * 1e3}


async def concurrent(http, url: str, body: dict, clients: int, check: bool) -> tuple[float, int]:
    start = time.perf_counter()
    calls = (one(http, url, body, check) for _ in range(clients))
    results = await asyncio.gather(*calls, return_exceptions=True)
    return time.perf_counter() - start, sum(isinstance(r, BaseException) for r in results)


async def bench(direct: str, proxy: str, pid: int, n: int, clients: int) -> None:
    import httpx

    base = {"model": "m", "messages": [{"role": "user", "content": "Weather?"}], "tools": TOOLS}
    limits = httpx.Limits(max_connections=None, max_keepalive_connections=clients)
    async with httpx.AsyncClient(timeout=120, limits=limits) as http:
        cases = [
            ("stream, instant upstream", {**base, "stream": True}),
            ("stream, 2 ms/chunk upstream", {**base, "stream": True, "bench_delay": 0.002}),
            ("non-stream", base),
        ]
        print(
            f"{'case':30} {'direct p50':>10} {'proxy p50':>10} {'ratio':>6} {'direct p99':>10} "
            f"{'proxy p99':>10} {'proxy CPU/req':>13}"
        )
        cases.insert(2, ("stream, 10 ms/chunk upstream", {**base, "stream": True, "bench_delay": 0.01}))
        for name, body in cases:
            count = max(10, n // 5) if body.get("bench_delay", 0) >= 0.01 else n  # ~0.5 s per request
            r = await sequential(http, direct, proxy, pid, body, count)
            ratio = r["proxy"]["p50_ms"] / r["direct"]["p50_ms"]
            print(
                f"{name:30} {r['direct']['p50_ms']:8.2f}ms {r['proxy']['p50_ms']:8.2f}ms {ratio:5.2f}x "
                f"{r['direct']['p99_ms']:8.2f}ms {r['proxy']['p99_ms']:8.2f}ms "
                f"{r['proxy_cpu_ms_per_request']:11.2f}ms"
            )
        body = {**base, "stream": True}
        await concurrent(http, proxy, body, clients, True)  # warm: open the connections
        wall_direct, errors_direct = await concurrent(http, direct, body, clients, False)
        before = cpu_seconds(pid)
        wall_proxy, errors_proxy = await concurrent(http, proxy, body, clients, True)
        cpu = (cpu_seconds(pid) - before) / clients * 1e3
        print(
            f"{clients} concurrent streams: direct {wall_direct:.2f}s ({errors_direct} errors), "
            f"proxy {wall_proxy:.2f}s ({errors_proxy} errors), ratio {wall_proxy / wall_direct:.2f}x, "
            f"proxy CPU {cpu:.2f}ms/request"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run")
    parser.add_argument("--requests", type=int, default=100, help="sequential requests per case and path")
    parser.add_argument("--clients", type=int, default=256, help="concurrent streaming clients")
    args = parser.parse_args()
    n, clients = (20, 32) if args.quick else (args.requests, args.clients)

    context = multiprocessing.get_context("spawn")
    ready = context.Event()
    upstream_port, proxy_port = free_port(), free_port()
    upstream = context.Process(target=run_upstream, args=(upstream_port, ready), daemon=True)
    upstream.start()
    if not ready.wait(60):
        sys.exit("the upstream did not start")
    direct = f"http://127.0.0.1:{upstream_port}/v1"
    command = [
        sys.executable,
        "-c",
        "from hermes_serve.cli import serve; serve()",
        "--upstream",
        direct,
        "--parser",
        "hermes",
        "--port",
        str(proxy_port),
    ]
    proxy = subprocess.Popen(command, stderr=subprocess.DEVNULL)
    try:
        import httpx

        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{proxy_port}/health").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or proxy.poll() is not None:
                sys.exit("hermes serve did not start")
            time.sleep(0.1)
        try:
            import uvloop  # noqa: F401

            loop = "uvloop + httptools"
        except ImportError:
            loop = "asyncio + h11"
        print(
            f"hermes serve ({loop}) in front of a scripted upstream; {n} requests per case, "
            f"answers of {len(TEXT)} characters in chunks of 4"
        )
        print(f"load average {load_average()} on {os.cpu_count()} CPUs (other work shares them)")
        asyncio.run(bench(direct, f"http://127.0.0.1:{proxy_port}/v1", proxy.pid, n, clients))
        print(f"load average after: {load_average()}")
    finally:
        proxy.terminate()
        proxy.wait(10)
        upstream.terminate()


if __name__ == "__main__":
    main()
