"""Trials on a real Docker engine: every test task with the oracle (one job, four at a time), each error
kind, the files a trial writes, cached images, nop, -k with --resume, limits and hidden tests seen from
inside the container by a plugin's agent, and the hermes agent against the scripted OpenAI server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from harbor_kit import TASKS, by_task, hermes_tasks, owned_containers, run_json
from hermes_env_harbor.agents import HarborAgent

from hermes_core.hookspecs import hookimpl

pytestmark = pytest.mark.usefixtures("docker_engine")

EXPECTED_ERRORS = {
    "bad-build": "build_failed",
    "bad-interpreter": "test_not_executable",
    "bad-toml": "invalid_task_toml",
    "compose-sidecar": "compose_unsupported",
    "gpu": "gpus_unsupported",
    "no-environment": "environment_missing",
    "no-instruction": "instruction_missing",
    "no-reward": "reward_file_missing",
    "slow-agent": "agent_timeout",
    "slow-verifier": "verifier_timeout",
}
EXPECTED_REWARDS = {
    "hello": 1.0,
    "compose-main": 1.0,
    "prebuilt": 1.0,
    "json-reward": 1.0,
    "wrong-oracle": 0.0,
}


def trial_containers(client) -> list:
    """Containers of Harbor trials (the docker backend labels each with its task id, ``harbor-...``) that
    this process created."""
    found = owned_containers(client, os.getpid())
    return [c for c in found if (c.attrs.get("Labels") or {}).get("hermes.task_id", "").startswith("harbor-")]


@pytest.fixture(scope="module")
def oracle_job(docker_engine, tmp_path_factory):
    jobs = tmp_path_factory.mktemp("jobs")
    code, document = run_json(str(TASKS), "-n", "4", "--jobs-dir", str(jobs), "--job-name", "all")
    return code, document, jobs / "all"


def test_the_oracle_scores_every_task_and_each_bad_one_is_its_own_error(oracle_job):
    code, document, _ = oracle_job
    trials = by_task(document)
    assert code == 1  # some trials errored; the others ran to the end
    assert len(trials) == len(EXPECTED_ERRORS) + len(EXPECTED_REWARDS)
    for name, reward in EXPECTED_REWARDS.items():
        trial = trials[f"{name}__1"]
        assert trial["error"] is None and trial["reward"] == reward, trial
    assert trials["json-reward__1"]["rewards"] == {"reward": 1.0, "style": 0.5}
    for name, kind in EXPECTED_ERRORS.items():
        trial = trials[f"{name}__1"]
        assert trial["reward"] is None and trial["error"]["kind"] == kind, trial
        assert f"task {name}" in trial["error"]["message"]
    assert "environment/docker-compose.yaml" in trials["compose-sidecar__1"]["error"]["message"]
    assert set(trials["hello__1"]["seconds"]) == {"build", "start", "agent", "verify", "cleanup", "total"}
    summary = document["summary"]
    assert summary["errors"] == len(EXPECTED_ERRORS) and summary["errors_by_kind"]["reward_file_missing"] == 1
    assert summary["mean_reward"] == pytest.approx(4 / 15, abs=1e-5) and summary["pass_at_k"] == {"1": 0.8}


def test_each_trial_writes_its_result_and_the_verifiers_files(oracle_job):
    _, document, job_dir = oracle_job
    for trial in document["trials"]:
        saved = json.loads((job_dir / f"{trial['task']}__{trial['attempt']}" / "result.json").read_text())
        assert saved == trial
    hello = job_dir / "hello__1"
    assert (hello / "verifier" / "reward.txt").read_text().strip() == "1"
    assert "reward 1" in (hello / "verifier" / "test-stdout.txt").read_text()
    assert (hello / "agent" / "oracle.txt").exists()
    saved = json.loads((hello / "result.json").read_text())  # a limit we cannot apply is said, not dropped
    assert saved["not_enforced"] == {"storage_mb": 1024}
    assert "storage_mb = 1024 is not enforced" in saved["warnings"][0]
    assert json.loads((job_dir / "result.json").read_text())["summary"] == document["summary"]


def test_every_sandbox_is_removed(oracle_job, docker_engine):
    assert trial_containers(docker_engine) == []


def test_a_second_run_builds_nothing_and_nop_scores_zero(oracle_job, tmp_path, docker_engine):
    code, document = run_json(str(TASKS / "hello"), "--agent", "nop", "--jobs-dir", str(tmp_path))
    (trial,) = document["trials"]
    assert code == 0 and trial["error"] is None and trial["reward"] == 0.0
    assert trial["image"]["cached"] is True
    image = docker_engine.images.get(trial["image"]["tag"])
    assert image.labels["hermes.harbor.task"] == "hello"


def test_attempts_pass_at_k_and_resume(oracle_job, tmp_path):
    args = [str(TASKS / "hello"), str(TASKS / "wrong-oracle"), "-k", "3", "-n", "3"]
    args += ["--jobs-dir", str(tmp_path), "--job-name", "k3"]
    code, document = run_json(*args)
    assert code == 0 and len(document["trials"]) == 6
    assert document["summary"]["pass_at_k"] == {"1": 0.5, "2": 0.5}
    job = tmp_path / "k3"
    kept = {
        name: (job / name / "result.json").read_text() for name in ("hello__1", "hello__3", "wrong-oracle__2")
    }
    (job / "hello__2" / "result.json").unlink()
    code, out, err = hermes_tasks("run", *args, "--resume")
    assert code == 0 and "5 finished before, skipped" in out
    assert "warning: hello__2: [environment] storage_mb = 1024 is not enforced" in err
    assert (job / "hello__2" / "result.json").exists()
    assert {name: (job / name / "result.json").read_text() for name in kept} == kept
    assert len(json.loads((job / "result.json").read_text())["trials"]) == 6
    code, _, err = hermes_tasks("run", *args)
    assert code == 1 and "--resume" in err  # the folder exists: never overwritten silently


class ProbeAgent(HarborAgent):
    """A plugin's agent: looks at its container from inside and through the engine, waits to see its
    sibling trials running, and leaves what it saw in the trial's agent folder."""

    name = "probe"

    def run(self, context):
        sandbox = context.sandbox
        sandbox.container.reload()
        host = sandbox.container.attrs["HostConfig"]
        most, deadline = 0, time.monotonic() + 60
        while most < 3 and time.monotonic() < deadline:
            most = max(most, sum(c.status == "running" for c in trial_containers(sandbox.client)))
            time.sleep(0.2)
        seen = {
            "nano_cpus": host["NanoCpus"], "memory": host["Memory"], "network": host["NetworkMode"],
            "tests": sandbox.execute("test -e /tests && echo visible || echo hidden").output.strip(),
            "pwd": sandbox.execute("pwd").output.strip(), "most_running": most,
            "user": sandbox.execute("id -un").output.strip(),
        }  # fmt: skip
        (context.logs_dir / "probe.json").write_text(json.dumps(seen))
        return {}


class ProbePlugin:
    @hookimpl
    def register_harbor_agents(self, register):
        register(ProbeAgent)


@pytest.fixture
def probe_host():
    import hermes_core.plugins as plugins

    previous = plugins.get_hermes()
    host = plugins.Hermes.from_entry_points()
    host.register(ProbePlugin(), name="harbor-probe")
    plugins.set_hermes(host)
    yield host
    plugins.set_hermes(previous)


def test_a_plugins_agent_sees_the_limits_no_network_no_tests_and_its_siblings(probe_host, tmp_path):
    assert "probe" in probe_host.registry("harbor_agents").names()
    args = [str(TASKS / "hello"), "--agent", "probe", "-k", "3", "-n", "3", "--jobs-dir", str(tmp_path)]
    code, document = run_json(*args)
    errors = [t["error"] for t in document["trials"] if t["error"]]
    assert code == 0 and [t["reward"] for t in document["trials"]] == [0.0, 0.0, 0.0], errors
    for seen_file in Path(tmp_path).glob("*/hello__*/agent/probe.json"):
        seen = json.loads(seen_file.read_text())
        assert (seen["nano_cpus"], seen["memory"], seen["network"]) == (10**9, 256 * 2**20, "none")
        assert seen["tests"] == "hidden" and seen["pwd"] == "/app" and seen["user"] == "agent"
        assert seen["most_running"] == 3  # -n 3: the three trials ran at once
    assert len(list(Path(tmp_path).glob("*/hello__*/agent/probe.json"))) == 3


def test_an_unknown_agent_is_a_one_line_error_naming_the_others(monkeypatch, tmp_path):
    code, _, err = hermes_tasks("run", str(TASKS / "hello"), "--agent", "nobody")
    assert code != 0 and "unknown agent 'nobody'" in err and "oracle" in err and "hermes" in err
    monkeypatch.setenv("HERMES_HOME", str(tmp_path))
    for name in ("OPENAI_BASE_URL", "HERMES_MODEL"):
        monkeypatch.delenv(name, raising=False)
    code, _, err = hermes_tasks("run", str(TASKS / "hello"), "--agent", "hermes", "--jobs-dir", str(tmp_path))
    assert code == 1 and "no model endpoint configured" in err and not list(tmp_path.glob("*/*"))


def test_the_hermes_agent_solves_a_task_with_its_terminal_in_the_container(oracle_job, tmp_path):
    from hermes_testkit.openai_server import ScriptedOpenAIServer, reply

    command = (
        "printf 'Hello, world!\\n' > /app/hello.txt && ls /sys/class/net && test ! -e /tests && echo hidden "
        "&& id -un && echo $BASH_VERSION | cut -c1"
    )
    with ScriptedOpenAIServer(model="worker") as server:
        server.queue(reply(tool_calls=[("terminal", {"command": command})]), reply("Done: wrote hello.txt."))
        args = [
            "--agent",
            "hermes",
            "--model",
            "worker",
            "--base-url",
            server.base_url,
            "--api-key",
            "sk-test",
        ]
        code, document = run_json(str(TASKS / "hello"), *args, "--jobs-dir", str(tmp_path))
    (trial,) = document["trials"]
    assert code == 0 and trial["error"] is None and trial["reward"] == 1.0 and trial["turns"] == 2
    first = server.requests[0]
    assert first["messages"][-1] == {"role": "user", "content": load_instruction()}
    assert {"terminal", "write_file", "read_file"} <= {t["function"]["name"] for t in first["tools"]}
    tool_result = json.loads(server.requests[1]["messages"][-1]["content"])
    # run in the container, as [agent] user, by the sandbox's own shell (bash)
    assert tool_result["exit_code"] == 0 and tool_result["output"].split() == ["lo", "hidden", "agent", "5"]
    trial_dir = next(Path(tmp_path).glob("*/hello__1"))
    (record,) = [json.loads(line) for line in (trial_dir / "trajectory.jsonl").read_text().splitlines()]
    assert [turn["from"] for turn in record["conversations"]] == ["system", "human", "gpt", "tool", "gpt"]
    assert "<tool_call>" in record["conversations"][2]["value"] and record["model"] == "worker"
    atif = json.loads((trial_dir / "agent" / "trajectory.json").read_text())
    assert atif["steps"][2]["tool_calls"][0]["function_name"] == "terminal"


def load_instruction() -> str:
    return (TASKS / "hello" / "instruction.md").read_text()


def test_the_ray_engine_runs_the_same_trials(oracle_job, tmp_path):
    pytest.importorskip("ray", reason="--engine ray needs Ray (pip install 'hermes-agent-loop[ray]')")
    hermes = [sys.executable, "-c", "import sys; from hermes_core.cli import main; main(sys.argv[1:])"]
    args = ["tasks", "run", str(TASKS / "hello"), str(TASKS / "wrong-oracle"), "--engine", "ray", "-n", "2"]
    done = subprocess.run(
        [*hermes, *args, "--json", "--jobs-dir", str(tmp_path)],
        # RAY_ADDRESS=local: a Ray instance of our own, even when another one runs on this machine
        env={**os.environ, "RAY_USAGE_STATS_ENABLED": "0", "RAY_ADDRESS": "local"},
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]  # the trials' errors, then Ray's
    rewards = {t["task"]: t["reward"] for t in json.loads(done.stdout)["trials"]}
    assert rewards == {"hello": 1.0, "wrong-oracle": 0.0}
    assert len(list(tmp_path.glob("*/*/result.json"))) == 2


class ShellOnly:
    """A sandbox seen only through ``execute`` (as a modal or singularity one is): no docker fast path."""

    def __init__(self, sandbox):
        self.sandbox, self.max_output = sandbox, sandbox.max_output

    def execute(self, command, cwd=None, timeout=None):
        return self.sandbox.execute(command, cwd=cwd, timeout=timeout)


def test_files_and_scripts_reach_any_sandbox_through_its_shell(docker_engine):
    from hermes_env_harbor import sandbox as box

    from hermes_core.sandboxes import make_backend

    backend = make_backend("docker")
    sandbox = backend.create("harbor-shell-only", image="debian:bookworm-slim", cwd="/")
    try:
        shell = ShellOnly(sandbox)
        box.make_log_folders(shell)
        box.upload(shell, box.archive([(TASKS / "hello" / "tests", box.TESTS)]))
        listing = shell.execute("stat -c '%a %U %n' /logs/verifier /tests/test.sh /tests/expected.txt").output
        assert listing.split("\n")[:3] == ["777 root /logs/verifier", "755 root /tests/test.sh",
                                           "644 root /tests/expected.txt"]  # fmt: skip
        script = box.TESTS / "probe.sh"
        shell.execute(
            f"printf '#!/bin/sh\\necho \"$GREETING\"; echo 0.5 > /logs/verifier/reward.txt\\n' > {script}"
        )
        ran = box.run_script(shell, script, box.VERIFIER_LOGS / "out.txt", 30, env={"GREETING": "it's me"},
                             bring_back=(box.VERIFIER_LOGS / "reward.txt",))  # fmt: skip
        assert (ran.exit_code, ran.timed_out) == (0, False)
        assert ran.files == {"out.txt": "it's me\n", "reward.txt": "0.5\n"}
        slow = box.run_script(shell, script, box.VERIFIER_LOGS / "out.txt", 1, before="sleep 5")
        assert slow.timed_out and slow.exit_code == 124
    finally:
        sandbox.cleanup()


def test_the_hermes_agent_past_its_timeout_is_an_error_yet_graded(oracle_job, tmp_path):
    from hermes_testkit.openai_server import ScriptedOpenAIServer, reply

    with ScriptedOpenAIServer(model="worker") as server:
        server.queue(reply("thinking for too long", delay=8))  # slow-agent gives the agent 2 s
        args = [
            "--agent",
            "hermes",
            "--model",
            "worker",
            "--base-url",
            server.base_url,
            "--jobs-dir",
            str(tmp_path),
        ]
        code, document = run_json(str(TASKS / "slow-agent"), *args)
    (trial,) = document["trials"]
    assert code == 1 and trial["error"]["kind"] == "agent_timeout" and trial["reward"] is None
    assert trial["rewards"] == {"reward": 1.0}  # the verifier still ran, as Harbor grades after a timeout


def test_a_progress_bar_on_a_terminal_only(oracle_job, tmp_path):
    hermes = [sys.executable, "-c", "import sys; from hermes_core.cli import main; main(sys.argv[1:])"]
    args = [*hermes, "tasks", "run", str(TASKS / "hello"), "--agent", "nop", "--jobs-dir", str(tmp_path)]
    terminal, stderr = os.openpty()
    try:
        done = subprocess.run(args, stdout=subprocess.PIPE, stderr=stderr, text=True, timeout=300)
        os.close(stderr)
        drawn = b""
        while True:
            try:
                chunk = os.read(terminal, 65536)
            except OSError:  # the other end is closed and everything was read
                break
            if not chunk:
                break
            drawn += chunk
    finally:
        os.close(terminal)
    assert done.returncode == 0 and "trials  [####" in drawn.decode() and "100%" in drawn.decode()
    assert "hello" in done.stdout and "[#" not in done.stdout  # the table on stdout, no bar
    code, out, err = hermes_tasks("run", str(TASKS / "hello"), "--agent", "nop", "--jobs-dir", str(tmp_path))
    assert code == 0 and "[#" not in out + err  # stderr no terminal: no bar


def test_commands_as_another_user_are_killed_whole_at_their_timeout(docker_engine):
    """Root in a container cannot see another user's processes' environment, so the backend's own kill
    misses what a command run as ``[agent] user`` started: the agent phase and the scripts kill it as
    that user."""
    from hermes_env_harbor import sandbox as box
    from hermes_env_harbor.images import prepare_image
    from hermes_env_harbor.task import load_task

    from hermes_core.sandboxes import make_backend

    image = prepare_image(load_task(TASKS / "hello")).tag  # has the users agent and tester
    sandbox = make_backend("docker").create("harbor-user-timeouts", image=image, cwd="/app")
    left = "cat /proc/[0-9]*/cmdline | tr '\\0' ' ' | grep -o 'sleep 3[12]' || true"  # never matches itself
    try:
        with box.default_user(sandbox, "agent"):
            assert sandbox.execute("id -un").output.strip() == "agent"
            assert sandbox.execute("sleep 31", timeout=1).exit_code == 124
        assert sandbox.execute("id -un").output.strip() == "root"  # the phase over, root again
        sandbox.execute("printf '#!/bin/sh\\nsleep 32\\n' > /tmp/slow.sh")
        ran = box.run_script(sandbox, box.PurePosixPath("/tmp/slow.sh"), box.PurePosixPath("/tmp/out"), 1,
                             user="tester")  # fmt: skip
        assert ran.timed_out
        assert sandbox.execute(left).output.strip() == ""
    finally:
        sandbox.cleanup()
