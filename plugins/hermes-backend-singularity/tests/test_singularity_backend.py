"""Command construction and lifecycle against a fake ``apptainer``; a real run where apptainer exists."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hermes_backend_singularity.backend import SingularityBackend

from hermes_core.terminal import SandboxError
from hermes_testkit.backends import BackendConformance

FAKE = Path(__file__).with_name("fake_apptainer.py")


@pytest.fixture
def fake(tmp_path, monkeypatch):
    bindir, state = tmp_path / "bin", tmp_path / "state"
    bindir.mkdir()
    state.mkdir()
    (bindir / "apptainer").write_text(f'#!/bin/sh\nexec {sys.executable} {FAKE} "$@"\n')
    (bindir / "apptainer").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bindir}:{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_APPTAINER_LOG", str(tmp_path / "argv.log"))
    monkeypatch.setenv("FAKE_APPTAINER_STATE", str(state))
    monkeypatch.setenv("TERMINAL_SINGULARITY_IMAGE", "/images/task.sif")
    monkeypatch.setenv("TERMINAL_ENV_ALLOW", "PATH,HOME,FAKE_APPTAINER*")  # the fake reads its own variables

    def calls() -> list[list[str]]:
        path = tmp_path / "argv.log"
        return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []

    return {"calls": calls, "state": state}


class TestSingularityConformanceWithFake(BackendConformance):
    backend_name = "singularity"

    @pytest.fixture(autouse=True)
    def _fake(self, fake):
        self.fake = fake


def test_lifecycle_and_command_construction(fake):
    backend = SingularityBackend()
    sandbox = backend.create("task 1; rm -rf /")
    start = fake["calls"]()[0]
    assert start[:2] == ["instance", "start"] and "--contain" in start
    bind = start[start.index("--bind") + 1]
    assert bind.endswith(":/workspace") and os.path.isdir(bind.split(":")[0])
    assert start[-2:] == ["/images/task.sif", sandbox.instance]
    assert sandbox.instance.startswith("hermes_task_1_rm_rf_")
    assert [p.name for p in fake["state"].iterdir()] == [sandbox.instance]
    assert sandbox.cwd == "/workspace"

    assert sandbox.execute("echo hi > f.txt && cat f.txt").output == "hi\n"
    last = fake["calls"]()[-1]
    assert last[:2] == ["exec", f"instance://{sandbox.instance}"]
    assert last[2:4] == ["bash", "-c"] and last[4] == "cd /workspace || exit 1\necho hi > f.txt && cat f.txt"
    assert os.path.exists(os.path.join(bind.split(":")[0], "f.txt"))
    assert sandbox.is_alive()

    sandbox.cleanup()
    sandbox.cleanup()
    stops = [c for c in fake["calls"]() if c[:2] == ["instance", "stop"]]
    assert stops == [["instance", "stop", sandbox.instance]], "stopped exactly once"
    assert list(fake["state"].iterdir()) == []
    assert not os.path.exists(bind.split(":")[0])


def test_one_instance_per_task_and_image_override(fake):
    backend = SingularityBackend()
    a = backend.create("a")
    b = backend.create("b", image="docker://busybox:1")
    try:
        starts = [c for c in fake["calls"]() if c[:2] == ["instance", "start"]]
        assert len(starts) == 2 and starts[1][-2] == "docker://busybox:1"
        for _ in range(3):
            a.execute("true")
        assert len([c for c in fake["calls"]() if c[:2] == ["instance", "start"]]) == 2
    finally:
        a.cleanup()
        b.cleanup()


def test_start_failure_is_clear_and_leaves_nothing(fake, tmp_path):
    with pytest.raises(SandboxError, match="instance start failed .*could not open image"):
        SingularityBackend(image="/x/broken.sif").create("t")
    assert list(fake["state"].iterdir()) == []


def test_unavailable_without_binary(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    reason = SingularityBackend().unavailable_reason()
    assert "apptainer" in reason and "singularity" in reason


def test_import_stays_light():
    code = (
        "import sys, hermes_backend_singularity;"
        "print(sorted(m for m in ('modal', 'docker', 'paramiko') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.skipif(
    not (shutil.which("apptainer") or shutil.which("singularity"))
    or not os.environ.get("TERMINAL_SINGULARITY_IMAGE"),
    reason="real apptainer/singularity and TERMINAL_SINGULARITY_IMAGE needed (Debian ships no package)",
)
class TestSingularityReal(BackendConformance):
    backend_name = "singularity"


def test_our_secrets_do_not_reach_the_instance(fake, monkeypatch):
    """Issue 15.3: without --cleanenv the instance inherits apptainer's environment; that one is clean."""
    monkeypatch.setenv("OPENAI_API_KEY", "sk-do-not-leak-0123456789")
    monkeypatch.setenv("APPTAINER_CACHEDIR", "/tmp/cache-for-apptainer")
    sandbox = SingularityBackend(contain=False).create("env")
    try:
        result = sandbox.execute("echo key=${OPENAI_API_KEY:-none} cache=$APPTAINER_CACHEDIR")
        assert result.output.strip() == "key=none cache=/tmp/cache-for-apptainer"
    finally:
        sandbox.cleanup()
