"""Run as a script by test_batch_ray: a one-node Ray cluster on 127.0.0.1 with a Ray Client server, and
the engine's jobs sent to it through ``ray://`` (a process of its own: Ray Client and a driver already
connected to another cluster do not share one process). Prints the outcomes as JSON lines."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
# Ray 2.60's token authentication stopped the Ray Client's per-client server from starting on a
# Cluster-helper head (it exits at once, nothing logged); this test cluster is loopback-only
os.environ["RAY_AUTH_MODE"] = "disabled"
HERE = Path(__file__).parent
os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(HERE), os.environ.get("PYTHONPATH")) if p)
sys.path.insert(0, str(HERE))

import batch_engine_jobs as jobs  # noqa: E402
from ray.cluster_utils import Cluster  # noqa: E402

from hermes_agent_loop.engines import Job, run_jobs  # noqa: E402
from hermes_testkit.ports import free_port  # noqa: E402


def main() -> None:
    port = free_port()
    head = {"num_cpus": 1, "include_dashboard": False, "node_ip_address": "127.0.0.1"}
    cluster = Cluster(initialize_head=False)
    try:
        cluster.add_node(wait=False, **head, dashboard_agent_listen_port=0, ray_client_server_port=port)
        cluster.wait_for_nodes(timeout=600)
        work = [Job(str(i), jobs.square, (i,)) for i in range(5)]
        work.append(Job("fails", jobs.square_async, (3,), {"fail_on": 3}))
        outcomes = []
        run_jobs(work, outcomes.append, engine="ray", workers=3, ray_address=f"ray://127.0.0.1:{port}")
        for outcome in outcomes:
            print(json.dumps({"key": outcome.key, "result": outcome.result, "error": outcome.error}))
    finally:
        cluster.shutdown()


if __name__ == "__main__":
    main()
