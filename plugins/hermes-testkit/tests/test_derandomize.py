"""``HERMES_TEST_DERANDOMIZE=1`` (what scripts/test sets): a property test draws the same examples on
every run; without it, runs explore different ones (outside CI: hypothesis derandomizes by itself where
it sees a CI variable, so the plain runs here go without them)."""

from __future__ import annotations

import os
import subprocess
import sys

from hypothesis import _settings as hypothesis_settings

CI_VARIABLES = getattr(hypothesis_settings, "_CI_VARS", None) or {
    "CI",
    "GITHUB_ACTIONS",
    "GITLAB_CI",
    "TF_BUILD",
}
PROPERTY_TEST = """
from hypothesis import given, settings, strategies as st

@settings(max_examples=20, database=None)
@given(st.text(min_size=5))
def test_draws(text):
    with open(OUT, "a") as seen:
        seen.write(repr(text) + "\\n")
"""


def drawn(tmp_path, run: int, derandomize: bool) -> str:
    out = tmp_path / f"drawn-{run}-{derandomize}.txt"
    (tmp_path / f"test_prop_{run}_{int(derandomize)}.py").write_text(f"OUT = {str(out)!r}\n{PROPERTY_TEST}")
    env = {k: v for k, v in os.environ.items() if k != "HERMES_TEST_DERANDOMIZE" and k not in CI_VARIABLES}
    if derandomize:
        env["HERMES_TEST_DERANDOMIZE"] = "1"
    test_file = f"test_prop_{run}_{int(derandomize)}.py"
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", test_file],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return out.read_text()


def test_derandomized_runs_draw_the_same_examples_and_plain_runs_do_not(tmp_path):
    assert drawn(tmp_path, 1, True) == drawn(tmp_path, 2, True)
    assert drawn(tmp_path, 3, False) != drawn(tmp_path, 4, False)
