"""How hard property tests search (:mod:`hermes_testkit.fuzz`): ``HERMES_TEST_DERANDOMIZE=1`` (what
scripts/test sets) draws the same examples on every run; a plain run outside CI explores new ones
(hypothesis derandomizes by itself where it sees a CI variable, so those runs go without them);
``HERMES_TEST_FUZZ=K`` draws K times the examples, new ones each run, even under CI."""

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
from hermes_testkit.fuzz import examples

@settings(max_examples=examples(20), database=None)
@given(st.text(min_size=5))
def test_draws(text):
    with open(OUT, "a") as seen:
        seen.write(repr(text) + "\\n")
"""


def drawn(tmp_path, run: int, **variables: str) -> list[str]:
    """The examples one pytest run of :data:`PROPERTY_TEST` drew, with only ``variables`` of ours set."""
    out = tmp_path / f"drawn-{run}.txt"
    (tmp_path / f"test_prop_{run}.py").write_text(f"OUT = {str(out)!r}\n{PROPERTY_TEST}")
    ours = ("HERMES_TEST_DERANDOMIZE", "HERMES_TEST_FUZZ", *CI_VARIABLES)
    env = {k: v for k, v in os.environ.items() if k not in ours} | variables
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"test_prop_{run}.py"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return out.read_text().splitlines()


def test_derandomized_runs_draw_the_same_examples_and_plain_runs_do_not(tmp_path):
    assert drawn(tmp_path, 1, HERMES_TEST_DERANDOMIZE="1") == drawn(tmp_path, 2, HERMES_TEST_DERANDOMIZE="1")
    assert drawn(tmp_path, 3) != drawn(tmp_path, 4)


def test_fuzzing_draws_more_and_new_examples_even_under_ci(tmp_path):
    plain = drawn(tmp_path, 1, HERMES_TEST_DERANDOMIZE="1", CI="true")
    first = drawn(tmp_path, 2, HERMES_TEST_DERANDOMIZE="1", CI="true", HERMES_TEST_FUZZ="3")
    second = drawn(tmp_path, 3, HERMES_TEST_DERANDOMIZE="1", CI="true", HERMES_TEST_FUZZ="3")
    assert len(plain) <= 20 < len(first) <= 60 and first != second
