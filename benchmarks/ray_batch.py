"""``hermes batch`` on the local engine vs on Ray with one node vs Ray with two nodes, same run.

    python benchmarks/ray_batch.py                  # 500 rollouts per engine, 50 ms model latency
    python benchmarks/ray_batch.py --rollouts 100   # a smoke run

Each rollout is one agent run (one model call answered after 50 ms by the scripted OpenAI server, in a
child process so its threads do not share our GIL). Every engine runs the same prompts through the real
command (``hermes batch ... -w 64``) into its own output folder, checked to hold every prompt once.
Ray runs on Ray's own multi-node helper (``ray.cluster_utils.Cluster``) on 127.0.0.1: first the head
alone, then with a second node joined. The times are whole commands (connecting to the cluster and
starting the workers included), after one untimed warm-up batch in this process (plugins loaded).
``rollouts/s`` is the whole command's rate. ``startup`` is the time until the first record is on disk
(a thread watches the file's size); ``steady/s`` is the rate after it, ``(rollouts - 1) / (wall -
startup)``. (Start-up varies by seconds from run to run on Ray, more than 500 rollouts take, so a rate
from two batch sizes drowned in it.) Overhead per rollout: the time one of the 64 slots spends per
rollout beyond the model's 50 ms, ``workers / steady - latency``.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")  # the cluster stays on 127.0.0.1

WORKERS = 64


def _serve(conn, latency: float) -> None:
    from hermes_testkit.openai_server import ScriptedOpenAIServer, reply

    server = ScriptedOpenAIServer()
    server.responder = lambda body: reply("answer", delay=latency)
    server.keep_requests = False
    server.start()
    conn.send(server.base_url)
    conn.recv()  # until the parent says stop
    server.stop()


def write_prompts(path: Path, n: int) -> Path:
    path.write_text("".join(json.dumps({"id": i, "prompt": f"q{i}"}) + "\n" for i in range(n)))
    return path


def run_batch(prompts: Path, out: Path, base_url: str, *engine: str) -> tuple[float, float]:
    """``(startup, wall)`` of one ``hermes batch``: seconds to its first record on disk, and in all."""
    from hermes_agent_loop.cli.batch import batch
    from hermes_agent_loop.trajectory import read_jsonl

    args = [str(prompts), "--out", str(out), "--base-url", base_url, "-m", "m", "--toolsets", "none"]
    records, first, done = out / "trajectories.jsonl", [], threading.Event()

    def watch() -> None:
        while not done.wait(0.005):
            if records.exists() and records.stat().st_size:
                first.append(time.perf_counter())
                return

    watcher = threading.Thread(target=watch, daemon=True)
    started = time.perf_counter()
    watcher.start()
    batch.main([*args, "-q", "-w", str(WORKERS), *engine], standalone_mode=False)
    seconds = time.perf_counter() - started
    done.set()
    watcher.join()
    ids = [r["id"] for r in read_jsonl(records)]
    expected = len(prompts.read_text().splitlines())
    if len(ids) != expected or len(set(ids)) != expected:
        raise SystemExit(f"{out}: {len(ids)} records for {expected} prompts")
    return (first[0] - started if first else seconds), seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rollouts", type=int, default=500)
    parser.add_argument("--latency", type=float, default=0.05, help="model latency in seconds")
    options = parser.parse_args()
    try:
        import ray
        from ray.cluster_utils import Cluster
    except ImportError:
        raise SystemExit('needs Ray: pip install "hermes-agent-loop[ray]"') from None

    work = Path(tempfile.mkdtemp(prefix="ray-batch-bench-"))
    os.environ["HOME"] = str(work)  # no ~/.hermes config of the machine's user, here or in the workers
    os.environ["HERMES_HOME"] = str(work / ".hermes")
    if options.rollouts < 2:
        raise SystemExit("--rollouts must be 2 or more")
    prompts = write_prompts(work / "prompts.jsonl", options.rollouts)
    one = write_prompts(work / "one.jsonl", 1)
    context = multiprocessing.get_context("fork")
    parent, child = context.Pipe()
    server = context.Process(target=_serve, args=(child, options.latency), daemon=True)
    server.start()
    base_url = parent.recv()
    results: dict[str, tuple[float, float]] = {}  # engine -> (startup, wall)

    def measure(name: str, *engine: str) -> None:
        results[name] = run_batch(prompts, work / name.replace(" ", "").replace(",", "-"), base_url, *engine)

    try:
        run_batch(one, work / "warm-up", base_url)
        measure("local")
        # no fixed port (the head's dashboard agent takes 52365 unless told) and a wide deadline for a
        # node to join on a loaded machine (Ray's default is 30 s)
        cluster = Cluster(initialize_head=False)
        node = {"num_cpus": 1, "node_ip_address": "127.0.0.1"}
        cluster.add_node(wait=False, **node, include_dashboard=False, dashboard_agent_listen_port=0)
        cluster.wait_for_nodes(timeout=600)
        try:
            address = ["--engine", "ray", "--ray-address", cluster.address]
            measure("ray, 1 node", *address)
            cluster.add_node(wait=False, **node)
            cluster.wait_for_nodes(timeout=600)
            measure("ray, 2 nodes", *address)
        finally:
            if ray.is_initialized():
                ray.shutdown()
            cluster.shutdown()
    finally:
        parent.send("stop")
        server.join(10)
    n, latency = options.rollouts, options.latency
    print(f"{n} rollouts, {WORKERS} at once, model latency {latency * 1000:.0f} ms, {os.cpu_count()} CPUs")
    print(
        f"{'engine':<14}{'wall s':>8}{'rollouts/s':>12}{'startup s':>11}{'steady/s':>10}"
        f"{'overhead/rollout':>18}{'steady vs local':>17}"
    )
    steady = {name: (n - 1) / max(wall - startup, 1e-9) for name, (startup, wall) in results.items()}
    for name, (startup, wall) in results.items():
        overhead = WORKERS / steady[name] - latency
        print(
            f"{name:<14}{wall:>8.2f}{n / wall:>12.1f}{startup:>11.2f}{steady[name]:>10.1f}"
            f"{overhead * 1000:>15.1f} ms{steady[name] / steady['local']:>16.2f}x"
        )


if __name__ == "__main__":
    sys.exit(main())
