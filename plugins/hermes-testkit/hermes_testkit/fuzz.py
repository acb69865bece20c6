"""How hard the kit's property tests search: a fixed sample for CI, a long exploring run on demand.

``HERMES_TEST_DERANDOMIZE=1`` (``scripts/test`` sets it, so CI): every property test draws the same
examples on every run, so a CI verdict can be reproduced. Hypothesis does the same by itself where it
sees a CI variable (``CI``, ``GITHUB_ACTIONS``...). ``HERMES_TEST_FUZZ=K`` turns both off and draws K
times the examples, new ones on each run: the job that finds new counter-examples (a nightly run,
or before changing a parser), e.g. ``HERMES_TEST_FUZZ=10 pytest plugins/hermes-parser-qwen``.
"""

from __future__ import annotations

import os


def factor() -> int:
    """``HERMES_TEST_FUZZ`` as a whole number of at least 1 (1: not fuzzing)."""
    value = os.environ.get("HERMES_TEST_FUZZ", "").strip()
    return max(1, int(value)) if value.isdigit() else 1


def examples(count: int) -> int:
    """A property test's ``max_examples``: ``count`` times :func:`factor`."""
    return count * factor()


def configure_hypothesis() -> None:
    """Load the profile the environment asks for (called once, when pytest starts)."""
    from hypothesis import settings

    if factor() > 1:
        settings.register_profile("hermes-fuzz", derandomize=False)
        settings.load_profile("hermes-fuzz")
    elif os.environ.get("HERMES_TEST_DERANDOMIZE") == "1":
        settings.register_profile("hermes-derandomized", derandomize=True)
        settings.load_profile("hermes-derandomized")


__all__ = ["configure_hypothesis", "examples", "factor"]
