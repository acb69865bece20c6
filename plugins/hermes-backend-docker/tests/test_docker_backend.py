"""The docker backend against a real engine and a locally built busybox image."""

from __future__ import annotations

import subprocess
import sys
import time
import uuid

import pytest
from hermes_backend_docker.backend import DockerBackend

from hermes_testkit.backends import BackendConformance


class TestDockerConformance(BackendConformance):
    backend_name = "docker"
    timeout_slack = 10.0

    @pytest.fixture(autouse=True)
    def _image(self, docker_image):
        self.image = docker_image

    def make_backend(self):
        backend = DockerBackend(image=self.image)
        reason = backend.unavailable_reason()
        if reason:
            pytest.skip(reason)
        return backend


@pytest.fixture
def backend(docker_image):
    backend = DockerBackend(image=docker_image, memory="256m", cpus=0.5, pids_limit=64)
    yield backend
    backend.close()


def test_cwd_is_inside_the_container_not_a_host_path(backend, tmp_path):
    sandbox = backend.create("cwd", cwd="/srv/task")
    try:
        assert sandbox.execute("pwd").output.strip() == "/srv/task"
        assert sandbox.execute("echo x > here.txt && ls /srv/task").output.strip() == "here.txt"
        assert not (tmp_path / "here.txt").exists()
    finally:
        sandbox.cleanup()


def test_default_cwd_and_per_task_container(backend):
    a, b = backend.create("a"), backend.create("b")
    try:
        assert a.cwd == b.cwd == "/workspace"
        assert a.container.id != b.container.id
        a.execute("echo one > f")
        assert b.execute("test -e f").exit_code == 1
    finally:
        a.cleanup()
        b.cleanup()


def test_limits_and_no_network(backend):
    sandbox = backend.create("limits")
    try:
        attrs = sandbox.container.attrs["HostConfig"]
        assert attrs["NetworkMode"] == "none"
        assert attrs["Memory"] == 256 * 1024 * 1024
        assert attrs["NanoCpus"] == 500_000_000
        assert attrs["PidsLimit"] == 64
        assert sandbox.execute("ls /sys/class/net").output.split() == ["lo"]
    finally:
        sandbox.cleanup()


def test_container_removed_on_cleanup(backend):
    sandbox = backend.create("gone")
    container_id = sandbox.container.id
    sandbox.cleanup()
    sandbox.cleanup()
    out = subprocess.run(["docker", "ps", "-aq", "--no-trunc"], capture_output=True, text=True).stdout
    assert container_id not in out
    assert not sandbox.is_alive()


def test_missing_image_is_a_clear_error(backend):
    from hermes_core.terminal import SandboxError

    with pytest.raises(SandboxError, match="cannot start a container from image 'local/no-such-image:0'"):
        backend.create("x", image="local/no-such-image:0")


def test_timeout_kills_the_whole_tree(backend):
    sandbox = backend.create("tree")
    try:
        result = sandbox.execute("sh -c 'sleep 300 & sleep 301' & sleep 302", timeout=1)
        assert result.exit_code == 124
        ps = sandbox.execute("ps -o args | grep -c '^sleep 30[012]' || true").output.strip()
        assert ps == "0"
    finally:
        sandbox.cleanup()


def test_import_does_not_load_docker():
    code = "import sys, hermes_backend_docker; print('docker' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_failed_start_leaves_no_container(backend):
    from hermes_core.terminal import SandboxError

    task_id = f"leak-{uuid.uuid4().hex[:8]}"
    with pytest.raises(SandboxError, match="cannot start a container"):
        backend.create(task_id, network="nonexistent-net-xyz")
    query = ["docker", "ps", "-a", "--filter", f"label=hermes.task_id={task_id}"]
    out = subprocess.run(
        [*query, "--format", "{{.Names}} {{.State}}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert out.strip() == "", f"a container was left behind: {out}"


def test_settings_reach_the_backend(monkeypatch, tmp_path):
    """Every docker setting is declared: config.yaml, its variable, and the option all reach the backend."""
    from hermes_core import config
    from hermes_core.registry import HermesError

    monkeypatch.setenv("HERMES_HOME", str(tmp_path))
    config.set_value("terminal.docker.memory", "512m")
    monkeypatch.setenv("TERMINAL_DOCKER_PIDS_LIMIT", "64")
    backend = DockerBackend(network="bridge")
    assert (backend.memory, backend.pids_limit, backend.network) == ("512m", 64, "bridge")
    monkeypatch.setenv("TERMINAL_DOCKER_CPUS", "lots")
    with pytest.raises(HermesError, match=r"terminal.docker.cpus = 'lots' \(env TERMINAL_DOCKER_CPUS\)"):
        DockerBackend()


@pytest.mark.parametrize("how", ["raises", "ends"])
def test_a_broken_output_stream_is_an_error_not_an_empty_result(backend, monkeypatch, how):
    """The exec's stream breaks after its first chunk (the connection to the engine reset, or closed while
    the command still runs): the result used to be the output so far, or nothing, with exit status 0, as
    if the command had finished; now it is a one-line SandboxError and what the command started is
    killed."""
    import hermes_backend_docker.backend as docker_backend

    from hermes_core.terminal import SandboxError

    monkeypatch.setattr(docker_backend, "STATUS_GRACE", 1.0)
    sandbox = backend.create("broken-stream")
    real_output = docker_backend.exec_output
    calls = []

    def breaks_after_first_chunk(stream):
        yield next(iter(stream))
        if how == "raises":
            raise ConnectionResetError(104, "Connection reset by peer")

    def exec_output(api, exec_id):  # only the command's stream breaks, not the kill's exec after it
        calls.append(exec_id)
        started = real_output(api, exec_id)
        return breaks_after_first_chunk(started) if len(calls) == 1 else started

    try:
        monkeypatch.setattr(docker_backend, "exec_output", exec_output)
        with pytest.raises(SandboxError, match="lost the output stream") as raised:
            sandbox.execute("echo start; sleep 4; echo end > late.txt", timeout=30)
        assert "\n" not in str(raised.value)
        assert sandbox.execute("sleep 5; test -e late.txt").exit_code == 1, "the command was not killed"
    finally:
        sandbox.cleanup()


def test_a_short_command_on_a_busy_engine_keeps_its_output(backend):
    """Output that arrives with the exec's HTTP headers was dropped by docker-py's raw-socket read: 1 to 4
    of 180 concurrent ``echo``s came back empty (a Harbor trial's ``pwd`` did). Each output is whole now."""
    import threading

    sandboxes = [backend.create(f"busy-{i}") for i in range(3)]
    outputs: list[str] = []

    def run(sandbox) -> None:
        for n in range(60):
            outputs.append(sandbox.execute(f"echo {n}-hidden").output)

    try:
        workers = [threading.Thread(target=run, args=(s,)) for s in sandboxes]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(120)
        assert len(outputs) == 180
        assert [o for o in outputs if not o.endswith("-hidden\n")] == []
    finally:
        for sandbox in sandboxes:
            sandbox.cleanup()


def test_a_container_removed_under_a_running_command_ends_it_as_killed(backend):
    """Someone removes the container while a command runs: the command ends at once as killed (137), or
    as a one-line SandboxError naming the container; never the Docker SDK's exception, never success."""
    import threading

    from hermes_core.terminal import SandboxError

    sandbox = backend.create("removed-under")
    outcome: list[BaseException | object] = []

    def run() -> None:
        try:
            outcome.append(sandbox.execute("sleep 30", timeout=60))
        except BaseException as exc:
            outcome.append(exc)

    worker = threading.Thread(target=run)
    worker.start()
    try:
        time.sleep(1.5)
        sandbox.container.remove(force=True)
        worker.join(30)
        assert not worker.is_alive(), "the command outlived its container"
        (result,) = outcome
        if isinstance(result, SandboxError):
            assert sandbox.container.short_id in str(result) and "\n" not in str(result)
        else:
            assert getattr(result, "exit_code", None) == 137, result
    finally:
        sandbox.cleanup()
