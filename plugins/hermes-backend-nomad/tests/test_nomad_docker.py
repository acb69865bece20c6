"""The executor for real inside Docker containers: the scripted Nomad agent places each allocation as
Nomad's docker driver would (``docker run`` of the job's image, ``local/`` at ``/local``, the port
published on 127.0.0.1), from an image with a Python built offline from this machine (``python_image``).
The whole terminal contract then holds through the pooled backend, and a container killed under a
slot is replaced by the allocation Nomad reschedules."""

from __future__ import annotations

import subprocess

import pytest
import python_image
import test_nomad_backend as base  # its classes, not bound here: pytest would collect them twice
from hermes_backend_nomad.backend import NomadBackend
from scripted_nomad import NOMAD_TOKEN, ScriptedNomad


@pytest.fixture(scope="module")
def image():
    reason = python_image.missing_reason()
    if reason:
        pytest.skip(reason)
    return python_image.build()


@pytest.fixture
def docker_nomad(image, monkeypatch):
    for key in ("NOMAD_ADDR", "NOMAD_TOKEN", "NOMAD_NAMESPACE"):
        monkeypatch.delenv(key, raising=False)
    with ScriptedNomad(runtime="docker") as agent:
        yield agent, {"address": agent.address, "token": NOMAD_TOKEN, "image": image, "slots": 2}


class TestNomadDockerConformance(base.TestNomadPooledConformance):
    timeout_slack = 10.0

    @pytest.fixture(autouse=True)
    def _agent(self, docker_nomad):
        self.nomad_options = docker_nomad[1]


def test_commands_run_in_the_container_and_a_killed_container_is_replaced(docker_nomad):
    nomad, options = docker_nomad
    backend = NomadBackend(**options)
    try:
        sandbox = backend.create("inside")
        assert sandbox.execute("cat /proc/1/cmdline | tr '\\0' ' '").output.startswith(
            "python3 /local/executor.py"
        )
        assert sandbox.cwd.startswith("/workspace/hermes_tasks/")
        lost = sandbox.inner.slot
        nomad.fail(lost)  # docker rm -f under the slot
        assert subprocess.run(
            ["docker", "inspect", nomad.allocations[lost].container], capture_output=True
        ).returncode
        sandbox.cleanup()
        again = [backend.create("x"), backend.create("y")]
        assert all(s.execute("echo ok").output == "ok\n" for s in again)
        assert lost not in {s.inner.slot for s in again}
        for s in again:
            s.cleanup()
    finally:
        backend.close()
    assert all(a.stopped() for a in nomad.allocations.values()), "a slot container was left running"
