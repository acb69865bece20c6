"""`bash scripts/test` runs every stage whatever failed before it, ends with a table of them, says what it
changed on the system, and stops a dockerd it started (issue 23.3: it once stopped at the first pytest
failure without a word about the skipped stages, and left a root dockerd running).

The real script runs here with its stages stubbed: the install, services and reference scripts are small
shell scripts, and ``$PYTHON`` is a fake interpreter whose pytest fails.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from pathlib import Path

from hermes_testkit.processes import alive, gone

REPO = Path(__file__).resolve().parent.parent

FAKE_PYTHON = """#!/bin/sh
case "$1 $2" in
  "-c import"*) echo "$0" ;;
  "-m pytest") echo "pytest ran: $*"; exit 1 ;;
  "-m ruff") exit 0 ;;
  "scripts/test_each.py "*) echo "each distribution ran"; exit 0 ;;
esac
"""

SERVICES = """#!/bin/sh
setsid sleep 300 >/dev/null 2>&1 < /dev/null &
echo "installed apt packages: bubblewrap" >>"$HERMES_CHANGES_FILE"
echo "started dockerd pid $!" >>"$HERMES_CHANGES_FILE"
echo $! > "$(dirname "$0")/../dockerd.pid"
"""


def _stubbed_repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    scripts = repo / "scripts"
    scripts.mkdir(parents=True)
    for name in ("test", "env.sh"):
        shutil.copy(REPO / "scripts" / name, scripts / name)
    for name, text in {
        "install": "#!/bin/sh\necho installed\n",
        "services.sh": SERVICES,
        "reference_tools.sh": "#!/bin/sh\nexit 0\n",
    }.items():
        (scripts / name).write_text(text)
    python = tmp_path / "bin" / "python"
    python.parent.mkdir()
    python.write_text(FAKE_PYTHON)
    python.chmod(0o755)
    return repo


def test_every_stage_runs_and_is_reported_and_a_started_dockerd_is_stopped(tmp_path):
    repo = _stubbed_repo(tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HERMES_", "VIRTUAL_ENV"))}
    env["PYTHON"] = str(tmp_path / "bin" / "python")
    done = subprocess.run(
        ["bash", "scripts/test"], cwd=repo, env=env, capture_output=True, text=True, timeout=120
    )
    pid = int((repo / "dockerd.pid").read_text())
    try:
        out = done.stdout
        assert done.returncode == 1, out + done.stderr  # the suite failed
        assert "each distribution ran" in out, "the stage after a failed suite did not run"
        table = out[out.index("=== summary") :]
        for stage in ("install", "services", "reference: harbor", "lint", "format", "suite", "each"):
            assert stage in table, f"{stage!r} missing from the closing table:\n{table}"
        assert [line.split()[-3] for line in table.splitlines() if line.startswith("suite")] == ["FAILED"]
        assert "installed apt packages: bubblewrap" in table
        assert f"stopped dockerd (pid {pid}), which this run started" in table
        assert gone(pid), "the dockerd this run started is still running"
    finally:
        if alive(pid):
            os.kill(pid, signal.SIGKILL)


def test_pytest_arguments_skip_the_per_distribution_stage_and_say_so(tmp_path):
    repo = _stubbed_repo(tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HERMES_", "VIRTUAL_ENV"))}
    env.update(PYTHON=str(tmp_path / "bin" / "python"), HERMES_KEEP_SERVICES="1")
    done = subprocess.run(
        ["bash", "scripts/test", "-k", "pool"], cwd=repo, env=env, capture_output=True, text=True, timeout=120
    )
    pid = int((repo / "dockerd.pid").read_text())
    try:
        assert "pytest ran: -m pytest -n 3 --dist loadfile -k pool" in done.stdout
        assert "each distribution alone      skipped (pytest arguments were given)" in done.stdout
        assert "stopped dockerd" not in done.stdout and alive(pid), "HERMES_KEEP_SERVICES=1 keeps it"
    finally:
        os.kill(pid, signal.SIGKILL)
