"""The quick ``hermes-kernel`` range check agrees with ``packaging`` on every form it answers itself."""

from __future__ import annotations

import pytest
from packaging.requirements import Requirement

from hermes_core.compat import excluded_by


@pytest.mark.parametrize(
    "requirement",
    [
        "hermes-kernel>=0.1,<0.2",
        "hermes-kernel<0.2,>=0.1",
        "hermes_kernel (>=0.1,<0.2)",
        "hermes-kernel>=0.2",
        "hermes-kernel<0.1",
        "hermes-kernel==0.1.0",
        "hermes-kernel!=0.1",
        "hermes-kernel>0.1",
        "hermes-kernel<=0.0.9",
        "hermes-kernel~=0.1",
        "hermes-kernel==0.1.*",
        "hermes-kernel>=1.0rc1",
        "hermes-kernel[yaml]>=0.1,<0.1.5",
        "hermes-kernel",
    ],
)
@pytest.mark.parametrize("version", ["0.1.0", "0.1", "0.2.0", "0.1.7", "1.0"])
def test_agrees_with_packaging(requirement, version):
    req = Requirement(requirement)
    expected = not req.specifier.contains(version, prereleases=True)
    assert (excluded_by([requirement], "hermes-kernel", version) is not None) == expected


def test_markers_and_other_packages_are_ignored():
    assert excluded_by(['hermes-kernel>=9; extra == "x"'], "hermes-kernel", "0.1.0") is None
    assert excluded_by(["hermes-kernel-extras>=9"], "hermes-kernel", "0.1.0") is None
    assert excluded_by(None, "hermes-kernel", "0.1.0") is None
