"""The nomad backend against a scripted Nomad agent (Nomad 1.9's HTTP API) whose allocations run the
real executor: the terminal contract on raw slots and on pooled slots, job register/scale/stop,
allocation failure and rescheduling, tokens."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request

import pytest
from hermes_backend_nomad import SETTINGS
from hermes_backend_nomad.backend import NomadBackend, SlotFleet
from hermes_backend_nomad.jobspec import executor_source
from scripted_nomad import NOMAD_TOKEN

from hermes_core.terminal import SandboxError, cap_output
from hermes_testkit.backends import BackendConformance


class TestNomadSlotConformance(BackendConformance):
    """Each sandbox is a whole slot (allocation) of the job, reset when given back."""

    slots = 3

    @pytest.fixture(autouse=True)
    def _agent(self, nomad_options):
        self.nomad_options = {**nomad_options, "slots": self.slots}

    def make_backend(self):
        return SlotFleet(**self.nomad_options)


class TestNomadPooledConformance(TestNomadSlotConformance):
    """``terminal.backend nomad``: tasks lease slots through the core's pool (a folder per task)."""

    slots = 2

    def make_backend(self):
        return NomadBackend(**self.nomad_options)


def _job(nomad):
    (job,) = nomad.jobs.values()
    return job


def test_the_job_registered_runs_the_executor_with_its_own_token(nomad, nomad_options):
    backend = NomadBackend(**nomad_options, datacenter="eu-west", driver="docker")
    try:
        sandbox = backend.create("t1")
        assert sandbox.execute("echo hi").output == "hi\n"
        job = _job(nomad)
        group = job["TaskGroups"][0]
        task = group["Tasks"][0]
        assert job["Datacenters"] == ["eu-west"] and group["Count"] == 2
        assert task["Driver"] == "docker" and task["Config"]["image"] == "local/python:test"
        assert task["Config"]["ports"] == ["executor"]
        assert task["Templates"][0]["EmbeddedTmpl"] == executor_source()
        # the executor's token is a Nomad Variable only the job's tasks read, never in the job itself
        token = nomad.variables[f"nomad/jobs/{job['ID']}"]["token"]
        assert token == backend.fleet.token and len(token) >= 32 and token != NOMAD_TOKEN
        assert token not in json.dumps(job) and "Env" not in task
        assert task["Templates"][1]["Envvars"] is True and "nomadVar" in task["Templates"][1]["EmbeddedTmpl"]
        assert group["ReschedulePolicy"]["Unlimited"] is True
        sandbox.cleanup()
    finally:
        backend.close()
    assert nomad.jobs == {}, "close() stops and purges the job"
    assert nomad.variables == {}, "close() deletes the job's token"
    assert all(a.stopped() for a in nomad.allocations.values())
    assert ("DELETE", f"/v1/job/{job['ID']}") in nomad.calls


def test_singularity_driver_job(nomad, nomad_options):
    fleet = SlotFleet(**nomad_options, driver="singularity")
    try:
        fleet.create("t").cleanup()
        task = _job(nomad)["TaskGroups"][0]["Tasks"][0]
        assert task["Driver"] == "singularity" and "ports" not in task["Config"]
        # the driver's documented config: command is Singularity's action, the image a URI
        assert task["Config"]["command"] == "exec" and task["Config"]["args"][0] == "python3"
        assert task["Config"]["image"] == "docker://local/python:test"
    finally:
        fleet.close()


def test_a_failed_allocation_is_replaced_by_the_one_nomad_reschedules(nomad, nomad_options):
    backend = NomadBackend(**nomad_options)
    try:
        first = backend.create("a")
        slot = first.inner.slot
        nomad.fail(slot)
        with pytest.raises(SandboxError, match="unreachable"):
            first.execute("echo lost")
        first.cleanup()  # the pool sees the dead slot and frees its place
        a, b = backend.create("b"), backend.create("c")  # both slots again: one is the rescheduled one
        assert a.execute("echo b").output == "b\n" and b.execute("echo c").output == "c\n"
        slots = {a.inner.slot, b.inner.slot}
        assert slot not in slots and nomad.allocations[slot].client_status == "failed"
        assert nomad.allocations[slot].next in slots  # Nomad's replacement is serving
        assert {nomad.allocations[s].previous for s in slots} == {None, slot}
        a.cleanup()
        b.cleanup()
    finally:
        backend.close()


def test_scale_asks_nomad_for_more_slots(nomad, nomad_options):
    fleet = SlotFleet(**nomad_options)
    try:
        fleet.scale(3)
        job = _job(nomad)
        assert job["TaskGroups"][0]["Count"] == 3 and len(nomad.live(job["ID"])) == 3
        sandboxes = [fleet.create(f"t{i}") for i in range(3)]
        assert len({s.slot for s in sandboxes}) == 3
        for sandbox in sandboxes:
            sandbox.cleanup()
        fleet.scale(1)
        assert len(nomad.live(job["ID"])) == 1
    finally:
        fleet.close()


def test_a_wrong_nomad_token_makes_the_backend_unavailable_with_nomads_answer(nomad, nomad_options):
    fleet = SlotFleet(**{**nomad_options, "token": "wrong"})
    assert "HTTP 403 Permission denied" in fleet.unavailable_reason()
    assert "terminal.nomad.address" in SlotFleet(token="x").unavailable_reason()


def test_files_cross_through_the_executor(nomad, nomad_options):
    backend = NomadBackend(**nomad_options)
    try:
        sandbox = backend.create("files")
        sandbox.inner.upload(f"{sandbox.cwd}/sub/data.bin", b"\x00\x01binary\n")
        assert sandbox.execute("wc -c < sub/data.bin").output.strip() == "9"
        assert sandbox.inner.download(f"{sandbox.cwd}/sub/data.bin") == b"\x00\x01binary\n"
        with pytest.raises(FileNotFoundError):
            sandbox.inner.download(f"{sandbox.cwd}/missing")
        sandbox.cleanup()
    finally:
        backend.close()


def test_settings_declared_with_the_token_secret():
    by_key = {s.key: s for s in SETTINGS}
    names = ("address", "token", "datacenter", "image", "slots", "driver")
    assert {f"terminal.nomad.{name}" for name in names} <= set(by_key)
    assert by_key["terminal.nomad.token"].secret and "NOMAD_TOKEN" in by_key["terminal.nomad.token"].env
    assert by_key["terminal.nomad.driver"].choices == ("docker", "singularity")


# -- the executor on its own ---------------------------------------------------------------------------


@pytest.fixture
def executor(tmp_path):
    from hermes_backend_nomad import executor as module

    env = {"PATH": os.environ["PATH"], "HERMES_EXECUTOR_TOKEN": "t" * 40}
    process = subprocess.Popen(
        [sys.executable, module.__file__, "--port", "0", "--workdir", str(tmp_path)],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    address = process.stdout.readline().split()[-1]
    yield f"http://{address}"
    process.kill()
    process.wait()


def _get(url, token):
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_the_executor_answers_only_its_token(executor):
    assert _get(f"{executor}/health", "t" * 40)[0] == 200
    assert _get(f"{executor}/health", "t" * 39 + "x") == (401, {"error": "unauthorized"})
    assert _get(f"{executor}/health", None)[0] == 401


def test_the_executor_refuses_to_start_without_a_token(tmp_path):
    from hermes_backend_nomad import executor as module

    result = subprocess.run(
        [sys.executable, module.__file__, "--host", "0.0.0.0", "--port", "0"],
        env={"PATH": os.environ["PATH"]},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode != 0 and "refusing to serve unauthenticated" in result.stderr


def test_the_executor_cuts_output_with_the_cores_note():
    from hermes_backend_nomad.executor import Tail

    text = "".join(f"line-{i}\n" for i in range(500))
    tail = Tail(300)
    for start in range(0, len(text), 37):
        tail.feed(text[start : start + 37])
    assert tail.text() == cap_output(text, 300)


def test_terminal_backend_nomad_is_configured_from_the_plugins_settings(
    hermes_empty_host, nomad, monkeypatch
):
    """``terminal.backend nomad`` with ``NOMAD_ADDR`` / ``NOMAD_TOKEN`` and ``terminal.nomad.*``."""
    import hermes_backend_nomad

    from hermes_core.sandboxes import make_backend

    hermes_empty_host.register(hermes_backend_nomad, name="hermes-backend-nomad")
    monkeypatch.setenv("NOMAD_ADDR", nomad.address)
    monkeypatch.setenv("NOMAD_TOKEN", NOMAD_TOKEN)
    monkeypatch.setenv("TERMINAL_NOMAD_SLOTS", "1")
    monkeypatch.setenv("TERMINAL_NOMAD_DATACENTER", "dc-test")
    backend = make_backend("nomad")
    try:
        assert isinstance(backend, NomadBackend)
        sandbox = backend.create("configured")
        assert sandbox.execute("echo via settings").output == "via settings\n"
        sandbox.cleanup()
        group = _job(nomad)["TaskGroups"][0]
        assert group["Count"] == 1 and _job(nomad)["Datacenters"] == ["dc-test"]
    finally:
        backend.close()
