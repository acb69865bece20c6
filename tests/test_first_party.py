"""Every distribution of this repository is on the core's first-party list, so none can be forgotten.

First-party names win a clash (issue 15.4): a third-party plugin cannot take ``terminal`` or ``qwen``
from the plugin that ships it. The list is by distribution name — a name on PyPI cannot be faked by
another project — so it must grow with the repository; this test fails the day it does not.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from hermes_core.plugins import CORE_PLUGIN, FIRST_PARTY

REPO = Path(__file__).resolve().parent.parent


def test_every_repository_distribution_is_first_party():
    pyprojects = [*REPO.glob("*/pyproject.toml"), *REPO.glob("plugins/*/pyproject.toml")]
    names = {tomllib.loads(p.read_text())["project"]["name"] for p in pyprojects}
    assert names, "no distributions found"
    assert sorted(names - FIRST_PARTY) == []
    assert (
        CORE_PLUGIN not in FIRST_PARTY
        and tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["name"] == CORE_PLUGIN
    )
