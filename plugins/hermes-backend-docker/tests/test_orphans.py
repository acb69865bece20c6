"""A container whose hermes was killed with -9 is removed by the next hermes on the machine that starts
one; a living owner's, a reused pid's owner's and another machine's containers are told apart. Real
engine, real processes. Any hermes on this machine may be the one that removes an orphan (another test
starting a container, say), so the tests check what is left, not who removed it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import pytest
from hermes_backend_docker import orphans

# creates a sandbox, prints its container id, then waits to be killed
MAKER = textwrap.dedent(
    """
    import sys, time
    from hermes_backend_docker.backend import DockerBackend
    sandbox = DockerBackend(image=sys.argv[1]).create(sys.argv[2])
    print(sandbox.container.id, flush=True)
    time.sleep(600)
    """
)


@pytest.fixture
def engine(docker_image):
    docker = pytest.importorskip("docker")
    client = docker.from_env()
    yield client
    client.close()


def _exists(client, container_id: str) -> bool:
    return bool(client.api.containers(all=True, filters={"id": container_id}))


def _container_of_a_process(docker_image: str, task: str) -> tuple[subprocess.Popen, str]:
    maker = subprocess.Popen(
        [sys.executable, "-c", MAKER, docker_image, task], stdout=subprocess.PIPE, text=True
    )  # fmt: skip
    return maker, maker.stdout.readline().strip()


def _labelled(client, image: str, **labels: str):
    labels = {orphans.MACHINE_LABEL: orphans.machine(), orphans.OWNER_LABEL: str(os.getpid()), **labels}
    return client.containers.create(image, ["sleep", "600"], labels=labels)


def test_a_killed_owners_container_goes_and_a_living_owners_stays(engine, docker_image):
    killed, orphan = _container_of_a_process(docker_image, "orphan")
    living, kept = _container_of_a_process(docker_image, "kept")
    try:
        assert orphan and kept
        killed.send_signal(signal.SIGKILL)
        killed.wait(30)
        removed = orphans.reclaim_orphans(engine.api)
        assert kept not in removed
        assert not _exists(engine, orphan) and _exists(engine, kept)
    finally:
        for process in (killed, living):
            process.kill()
            process.wait(30)
        for container_id in (orphan, kept):
            if container_id and _exists(engine, container_id):
                engine.api.remove_container(container_id, force=True)


def test_a_reused_pid_is_not_taken_for_the_owner_and_another_machine_is_left_alone(engine, docker_image):
    living_pid = os.getppid()
    reused = _labelled(
        engine, docker_image, **{orphans.OWNER_LABEL: str(living_pid), orphans.STARTED_LABEL: "1"}
    )
    current = _labelled(
        engine, docker_image,
        **{orphans.OWNER_LABEL: str(living_pid), orphans.STARTED_LABEL: orphans.started(living_pid)},
    )  # fmt: skip
    elsewhere = _labelled(engine, docker_image, **{orphans.MACHINE_LABEL: "another-boot/pid:[1]"})
    try:
        removed = orphans.reclaim_orphans(engine.api)
        assert current.id not in removed and elsewhere.id not in removed
        assert (
            not _exists(engine, reused.id) and _exists(engine, current.id) and _exists(engine, elsewhere.id)
        )
    finally:
        for container in (reused, current, elsewhere):
            if _exists(engine, container.id):
                container.remove(force=True)


def test_the_next_hermes_to_start_a_container_removes_the_orphans(engine, docker_image):
    killed, orphan = _container_of_a_process(docker_image, "orphan-before")
    killed.send_signal(signal.SIGKILL)
    killed.wait(30)
    later, started = _container_of_a_process(docker_image, "next-hermes")
    try:
        assert started and not _exists(engine, orphan)
    finally:
        later.kill()
        later.wait(30)
        for container_id in (orphan, started):
            if container_id and _exists(engine, container_id):
                engine.api.remove_container(container_id, force=True)
