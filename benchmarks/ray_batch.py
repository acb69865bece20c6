"""``hermes batch`` on the local engine vs on Ray with one node vs Ray with two nodes, same run.

    python benchmarks/ray_batch.py                  # 500 rollouts per engine, 50 ms model latency
    python benchmarks/ray_batch.py --rollouts 100   # a smoke run

Each rollout is one agent run (one model call answered after 50 ms by the scripted OpenAI server, in a
child process so its threads do not share our GIL). Every engine runs the same prompts through the real
command (``hermes batch ... -w 64``) into its own output folder, checked to hold every prompt once.
Ray runs on Ray's own multi-node helper (``ray.cluster_utils.Cluster``) on 127.0.0.1: first the head
alone, then with a second node joined. The times are whole commands (connecting to the cluster and
starting the workers included), after one untimed warm-up batch in this process (plugins loaded).
``rollouts/s`` is the whole command's rate. ``steady/s`` is the marginal rate, free of the start-up: the
same command is also run on a fifth of the prompts (at least 64, so the same workers start), and
``steady = (rollouts - fifth) / (wall - wall_fifth)``; ``startup`` is what the whole command took beyond
``rollouts / steady``. Overhead per rollout: the time one of the 64 slots spends per rollout beyond the
model's 50 ms, ``workers / steady - latency``.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import sys
import tempfile
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


def run_batch(prompts: Path, out: Path, base_url: str, *engine: str) -> float:
    from hermes_agent_loop.cli.batch import batch
    from hermes_agent_loop.trajectory import read_jsonl

    args = [str(prompts), "--out", str(out), "--base-url", base_url, "-m", "m", "--toolsets", "none"]
    started = time.perf_counter()
    batch.main([*args, "-q", "-w", str(WORKERS), *engine], standalone_mode=False)
    seconds = time.perf_counter() - started
    ids = [r["id"] for r in read_jsonl(out / "trajectories.jsonl")]
    expected = len(prompts.read_text().splitlines())
    if len(ids) != expected or len(set(ids)) != expected:
        raise SystemExit(f"{out}: {len(ids)} records for {expected} prompts")
    return seconds


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
    fifth = max(WORKERS, options.rollouts // 5)
    if options.rollouts <= fifth:
        raise SystemExit(f"--rollouts must be over {fifth}")
    prompts = write_prompts(work / "prompts.jsonl", options.rollouts)
    part = write_prompts(work / "part.jsonl", fifth)
    one = write_prompts(work / "one.jsonl", 1)
    context = multiprocessing.get_context("fork")
    parent, child = context.Pipe()
    server = context.Process(target=_serve, args=(child, options.latency), daemon=True)
    server.start()
    base_url = parent.recv()
    results: dict[str, tuple[float, float]] = {}  # engine -> (wall of the fifth, wall of all)

    def measure(name: str, *engine: str) -> None:
        folder = work / name.replace(" ", "").replace(",", "-")
        results[name] = (
            run_batch(part, folder / "part", base_url, *engine),
            run_batch(prompts, folder / "all", base_url, *engine),
        )

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
    steady = {
        name: (n - fifth) / max(wall - wall_fifth, 1e-9) for name, (wall_fifth, wall) in results.items()
    }
    for name, (_, wall) in results.items():
        overhead = WORKERS / steady[name] - latency
        print(
            f"{name:<14}{wall:>8.2f}{n / wall:>12.1f}{wall - n / steady[name]:>11.2f}{steady[name]:>10.1f}"
            f"{overhead * 1000:>15.1f} ms{steady[name] / steady['local']:>16.2f}x"
        )


if __name__ == "__main__":
    sys.exit(main())
