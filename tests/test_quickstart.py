"""`bash scripts/quickstart` shows each step (n of 5) with the command it runs, and stays short (issue 23.2:
it once printed 372 lines after minutes of silence). The install step is skipped: hermes is installed."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
USED = ("hermes-tools-terminal", "hermes-parsers")
"""Steps 3 to 5 need the terminal tool and the auto parser (the quickstart's own install brings them)."""


@pytest.mark.slow
def test_quickstart_numbers_its_steps_and_cuts_long_lists(tmp_path):
    from importlib.metadata import PackageNotFoundError, distribution

    for name in USED:
        try:
            distribution(name)
        except PackageNotFoundError:
            pytest.skip(f"{name} is not installed (the quickstart's install brings it)")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "TERMINAL_", "HERMES_"))}
    env.update(
        HERMES_HOME=str(tmp_path / "home"),
        HERMES_QUICKSTART_SKIP_INSTALL="1",
        PYTHON=sys.executable,  # scripts/env.sh: this interpreter, whose scripts hold `hermes`
    )
    done = subprocess.run(
        ["bash", str(REPO / "scripts" / "quickstart")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    out = done.stdout
    steps = re.findall(r"^== quickstart \[(\d)/5\]", out, flags=re.MULTILINE)
    assert steps == ["1", "2", "3", "4", "5"]
    assert "$ hermes plugins list" in out and "$ hermes tools list --toolset default" in out
    assert re.search(r"^\d+ plugins: ", out, flags=re.MULTILINE)  # the summary line comes first
    assert "hello from hermes" in out  # step 4 ran a real command
    assert '"name": "terminal"' in out  # step 5 parsed the completion
    plugins = int(re.search(r"^(\d+) plugins: ", out, flags=re.MULTILINE).group(1))
    if plugins > 6:  # the full list is longer than the cut: the cut says so
        assert re.search(r"^\.\.\. \d+ more lines: hermes plugins list$", out, flags=re.MULTILINE)
    assert len(out.splitlines()) < 80, len(out.splitlines())
