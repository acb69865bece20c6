"""``hermes batch --engine ray`` and the engine API on a real two-node Ray cluster on 127.0.0.1.

The cluster is Ray's own multi-node test helper (``ray.cluster_utils.Cluster``: a head and a second
node, each its own raylet, as Ray tests node failure), started once for the module. Workers are killed
with SIGKILL and a node removed mid-batch; every prompt must still be written exactly once.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

# before Ray is imported: no usage report, and the cluster advertises 127.0.0.1 (what the engine sets too)
os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
ray = pytest.importorskip("ray", reason='Ray is not installed: pip install "hermes-agent-loop[ray]"')

from click.testing import CliRunner  # noqa: E402

from hermes_agent_loop.engines import Job, run_jobs  # noqa: E402
from hermes_agent_loop.trajectory import read_jsonl  # noqa: E402
from hermes_core.cli import cli  # noqa: E402
from hermes_core.subreaper import descendants  # noqa: E402
from hermes_testkit.openai_server import ScriptedOpenAIServer, error, reply  # noqa: E402
from hermes_testkit.processes import alive  # noqa: E402

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
import batch_engine_jobs as jobs  # noqa: E402

pytestmark = pytest.mark.slow


# Under load (two CI runs on one machine) a node takes longer than Ray's default 30 s to register, and
# a head's dashboard agent takes the fixed port 52365 unless given another: so no fixed port (0: the
# system picks one) and a wide deadline for nodes to join. No test depends on how long anything takes.
NODE = {"num_cpus": 1, "node_ip_address": "127.0.0.1"}
HEAD = {**NODE, "include_dashboard": False, "dashboard_agent_listen_port": 0}
DEADLINE = 600  # seconds: only a hung run ever gets near it


def add_worker_node(cluster) -> None:
    cluster.add_node(wait=False, **NODE)
    cluster.wait_for_nodes(timeout=DEADLINE)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    from ray.cluster_utils import Cluster

    home = tmp_path_factory.mktemp("ray-home")
    saved = {k: os.environ.get(k) for k in ("PYTHONPATH", "HOME", "HERMES_HOME")}
    # the workers import the test job functions by name and find no ~/.hermes of the machine's user
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(HERE), saved["PYTHONPATH"]) if p)
    os.environ["HOME"], os.environ["HERMES_HOME"] = str(home), str(home / ".hermes")
    cluster = Cluster(initialize_head=False)
    try:
        cluster.add_node(wait=False, **HEAD)
        add_worker_node(cluster)
        yield cluster
    finally:
        cluster.shutdown()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


# -- processes and sockets of this test's cluster --------------------------------------------------------


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def job_runner_pids() -> list[int]:
    """Our cluster's engine workers (Ray titles an actor's process ``ray::JobRunner``)."""
    return sorted(p for p in descendants(os.getpid()) if _cmdline(p).startswith("ray::JobRunner"))


def owned_by(owner: int) -> list[int]:
    """Live processes carrying ``HERMES_SANDBOX_OWNER=<owner>``: what that hermes's sandboxes started."""
    marker = f"HERMES_SANDBOX_OWNER={owner}".encode()
    found = []
    for entry in os.listdir("/proc"):
        try:
            environ = Path(f"/proc/{entry}/environ").read_bytes() if entry.isdigit() else b""
        except OSError:
            continue
        if marker in environ.split(b"\0") and alive(int(entry)):
            found.append(int(entry))
    return found


def _listening_addresses(pids: set[int]) -> list[str]:
    inodes = set()
    for pid in pids:
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
                if target.startswith("socket:["):
                    inodes.add(target[8:-1])
        except OSError:
            continue
    addresses = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and fields[9] in inodes:  # 0A: LISTEN
                addresses.append(fields[1].split(":")[0])
    return addresses


LOOPBACK_HEX = {"0100007F", "00000000000000000000000001000000", "0000000000000000FFFF00000100007F"}


def test_the_cluster_and_its_driver_listen_on_loopback_only(cluster):
    outcomes = []
    run_jobs([Job("1", jobs.square, (1,))], outcomes.append, engine="ray", ray_address=cluster.address)
    addresses = _listening_addresses(set(descendants(os.getpid())) | {os.getpid()})
    assert addresses, "no listening socket found for the cluster's processes"
    assert set(addresses) <= LOOPBACK_HEX, addresses
    assert outcomes[0].result == {"square": 1}


def test_jobs_spread_over_both_nodes_at_most_workers_at_once(cluster, tmp_path):
    outcomes = []
    work = [Job(str(i), jobs.counted, (str(tmp_path), str(i), 0.3)) for i in range(16)]
    work.append(Job("fails", jobs.square_async, (3,), {"fail_on": 3}))
    ran = run_jobs(work, outcomes.append, engine="ray", workers=4, ray_address=cluster.address)
    assert ran == 17 and sorted(o.key for o in outcomes) == sorted(j.key for j in work)
    ok = [o for o in outcomes if o.ok]
    assert max(o.result["running"] for o in ok) <= 4
    assert len({o.result["node"] for o in ok}) == 2
    (failed,) = [o for o in outcomes if not o.ok]
    assert failed.key == "fails" and failed.error == "ValueError: no square for 3"


def test_a_worker_killed_mid_job_leaves_no_sandbox_process_or_folder(cluster, tmp_path):
    """The killed worker's background ``sleep`` (started in its local sandbox) is reclaimed when the
    worker restarts, and the job, retried, gets exactly one outcome."""
    outcomes, errors = [], []

    def go():
        try:
            job = Job("s1", jobs.start_sleeper_then_wait, (str(tmp_path), "s1"))
            run_jobs([job], outcomes.append, engine="ray", workers=1, ray_address=cluster.address)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    runner = threading.Thread(target=go)
    runner.start()
    note = tmp_path / "sleeper-s1"
    assert jobs.wait_for(note.exists, timeout=DEADLINE)
    worker_pid = int(note.read_text())
    assert owned_by(worker_pid) and worker_pid in job_runner_pids()
    os.kill(worker_pid, signal.SIGKILL)
    runner.join(DEADLINE)
    assert not runner.is_alive() and not errors
    assert [(o.key, o.result["retried"]) for o in outcomes] == [("s1", True)]
    assert jobs.wait_for(lambda: not owned_by(worker_pid), timeout=DEADLINE)
    tmp = Path(os.environ.get("TMPDIR", "/tmp"))
    assert not list(tmp.glob(f"hermes-{worker_pid}-*"))


def test_jobs_run_through_ray_client_at_a_ray_address():
    """``--ray-address ray://HOST:PORT``: Ray Client (the ``ray`` extra brings its grpcio)."""
    pytest.importorskip("grpc", reason='Ray Client needs grpcio: pip install "hermes-agent-loop[ray]"')
    # Ray's client proxy starts a server per client, and that fails now and then (a port of its fixed range
    # that another cluster took, a server that exits at once): the engine connects again (engines.ray.connect)
    driver = subprocess.run(
        [sys.executable, str(HERE / "ray_client_driver.py")], capture_output=True, text=True, timeout=DEADLINE
    )
    assert driver.returncode == 0, driver.stderr[-3000:]
    outcomes = {o["key"]: o for o in map(json.loads, driver.stdout.splitlines())}
    assert {k: o["result"] for k, o in outcomes.items() if k != "fails"} == {
        str(i): {"square": i * i} for i in range(5)
    }
    assert outcomes["fails"]["error"] == "ValueError: no square for 3"


def leftovers(owner: int) -> list:
    """What a dead worker's sandboxes left: live processes it started, ``hermes-<pid>-*`` folders."""
    tmp = Path(os.environ.get("TMPDIR", "/tmp"))
    return [*owned_by(owner), *tmp.glob(f"hermes-{owner}-*")]


# -- hermes batch --engine ray ----------------------------------------------------------------------------


def _prompts(path: Path, n: int, extra: list | None = None) -> Path:
    lines = [json.dumps({"id": f"p{i}", "prompt": f"question {i}"}) for i in range(n)]
    lines += [json.dumps(item) for item in extra or []]
    path.write_text("\n".join(lines) + "\n")
    return path


def _batch(*args) -> object:
    return CliRunner().invoke(cli, ["batch", *map(str, args)], catch_exceptions=False)


def _slow_model(seconds: float, seen: list, strike=None):
    """Each question runs ``echo N`` (and says which worker ran it) in the terminal, then answers; every
    request takes ``seconds``. ``strike``: called with the worker's pid inside each prompt's second
    request, that is while the prompt is surely in flight on that worker."""
    lock = threading.Lock()

    def respond(body):
        with lock:
            seen.append(1)
        last = body["messages"][-1]
        if last["role"] == "tool" and strike is not None:
            strike(int(re.search(r"owner=(\d+)", last["content"])[1]))
        threading.Event().wait(seconds)
        if last["role"] == "user" and last["content"] == "please fail":
            return error(400, "refused")
        if last["role"] == "user":
            command = f"echo {last['content'].split()[-1]}; echo owner=$HERMES_SANDBOX_OWNER"
            return reply(tool_calls=[("terminal", {"command": command})])
        return reply("answer")

    return respond


@pytest.fixture
def endpoint(monkeypatch, tmp_path):
    for var in ("OPENAI_BASE_URL", "OPENAI_API_KEY", "HERMES_MODEL", "TERMINAL_ENV"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("HERMES_HOME", str(tmp_path / "home" / ".hermes"))
    with ScriptedOpenAIServer() as server:
        yield server


def _ids(path: Path) -> list[str]:
    return [r["id"] for r in read_jsonl(path)]


def test_ray_batch_writes_what_the_local_engine_writes_and_resumes_local_ray_local(
    cluster, endpoint, tmp_path
):
    endpoint.responder = _slow_model(0.0, [])
    prompts = _prompts(tmp_path / "p.jsonl", 6, [{"id": "bad", "prompt": "please fail"}])
    out = tmp_path / "out"
    common = ["--out", out, "--base-url", endpoint.base_url, "-m", "m", "--toolsets", "terminal", "-q"]
    on_ray = ["--engine", "ray", "--ray-address", cluster.address]
    assert _batch(prompts, *common, "--limit", 2).exit_code == 0  # local: p0 p1
    ray_run = _batch(prompts, *common, "--resume", *on_ray, "-w", 2, "--limit", 2)  # ray: p2 p3
    assert ray_run.exit_code == 0, ray_run.output
    back = _batch(prompts, *common, "--resume")  # local again: p4 p5 bad
    assert back.exit_code == 0 and "2 ok, 1 failed this run" in back.stderr
    again = _batch(prompts, *common, "--resume", *on_ray)
    assert again.exit_code == 0 and "0 ok, 0 failed this run" in again.stderr
    records = list(read_jsonl(out / "trajectories.jsonl"))
    # each run writes in the order its prompts finish
    assert [sorted(r["id"] for r in records[i : i + 2]) for i in (0, 2, 4)] == [
        ["p0", "p1"],
        ["p2", "p3"],
        ["p4", "p5"],
    ]
    assert sorted(r["id"] for r in records) == [f"p{i}" for i in range(6)]
    assert _ids(out / "failures.jsonl") == ["bad"]
    tool_turns = [next(c["value"] for c in r["conversations"] if c["from"] == "tool") for r in records]
    owners = [int(re.search(r"owner=(\d+)", turn)[1]) for turn in tool_turns]
    here = os.getpid()  # the local engine's sandboxes are this process's; a Ray worker's are its own
    assert owners[:2] == [here, here] and here not in owners[2:4] and owners[4:] == [here, here]
    assert all(r["id"][1:] in turn for r, turn in zip(records, tool_turns, strict=True))  # `echo N` ran
    local, remote = records[0], records[2]
    assert set(local) == set(remote)
    assert [c["from"] for c in remote["conversations"]] == [c["from"] for c in local["conversations"]]
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["trajectories.jsonl", "failures.jsonl", "tool_stats.json", "summary.json"]
    )
    summary = json.loads((out / "summary.json").read_text())
    assert (summary["runs"], summary["completed"], summary["failed"]) == (7, 6, 1)


class Strike:
    """``action(pid)`` once, on the first worker pid ``target(pid)`` accepts, from inside a model request
    of a prompt running on that worker: whatever the load, a prompt is in flight where the blow lands
    (a watcher thread counting requests could hit a worker with nothing in flight, or an old one)."""

    def __init__(self, action, target=lambda pid: True) -> None:
        self.action, self.target = action, target
        self.lock = threading.Lock()
        self.hit: list[int] = []
        self.errors: list[BaseException] = []

    def __call__(self, pid: int) -> None:
        with self.lock:
            if self.hit or not self.target(pid):
                return
            self.hit.append(pid)
            try:
                self.action(pid)
            except BaseException as exc:  # reported by the test, not swallowed by the model server
                self.errors.append(exc)


def _ray_batch(prompts: Path, out: Path, endpoint, cluster) -> object:
    return _batch(
        prompts, "--out", out, "--base-url", endpoint.base_url, "-m", "m", "--toolsets", "terminal", "-q",
        "--engine", "ray", "--ray-address", cluster.address, "-w", 4,
    )  # fmt: skip


def test_a_worker_killed_with_sigkill_mid_batch_loses_and_doubles_nothing(cluster, endpoint, tmp_path):
    seen: list = []
    strike = Strike(lambda pid: os.kill(pid, signal.SIGKILL), target=lambda pid: pid in job_runner_pids())
    endpoint.responder = _slow_model(1.0, seen, strike)
    out = tmp_path / "out"
    result = _ray_batch(_prompts(tmp_path / "p.jsonl", 12), out, endpoint, cluster)
    assert result.exit_code == 0, result.output
    assert strike.hit and not strike.errors and jobs.wait_for(lambda: not alive(strike.hit[0]), DEADLINE)
    assert sorted(_ids(out / "trajectories.jsonl")) == sorted(f"p{i}" for i in range(12))
    assert _ids(out / "failures.jsonl") == []
    assert len(seen) > 24  # 2 requests per prompt, plus those of the run the kill interrupted
    assert jobs.wait_for(lambda: not leftovers(strike.hit[0]), DEADLINE), leftovers(strike.hit[0])


def _raylet_pid(node) -> int:
    from ray._private import ray_constants

    return node.all_processes[ray_constants.PROCESS_TYPE_RAYLET][0].process.pid


def test_a_node_removed_mid_batch_loses_and_doubles_nothing(cluster, endpoint, tmp_path):
    seen: list = []
    (node,) = list(cluster.worker_nodes)
    # a worker of that node is a child of its raylet
    strike = Strike(lambda pid: cluster.remove_node(node), lambda pid: pid in descendants(_raylet_pid(node)))
    endpoint.responder = _slow_model(1.0, seen, strike)
    out = tmp_path / "out"
    try:
        result = _ray_batch(_prompts(tmp_path / "p.jsonl", 12), out, endpoint, cluster)
    finally:
        if strike.hit:  # leave the module's cluster with two nodes
            add_worker_node(cluster)
    assert result.exit_code == 0, result.output
    assert strike.hit and not strike.errors, strike.errors
    assert sorted(_ids(out / "trajectories.jsonl")) == sorted(f"p{i}" for i in range(12))
    assert _ids(out / "failures.jsonl") == []
    assert len(seen) > 24
    # the lost node's worker had made a sandbox: reclaimed by a worker restarted on this machine
    assert jobs.wait_for(lambda: not leftovers(strike.hit[0]), DEADLINE), leftovers(strike.hit[0])
