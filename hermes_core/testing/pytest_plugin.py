"""pytest plugin (entry point ``pytest11``): fixtures any hermes plugin's tests can use."""

from __future__ import annotations

import pytest


@pytest.fixture
def hermes_host():
    """A fresh :class:`~hermes_core.plugins.Hermes` that loaded the installed plugins, not the global one."""
    from hermes_core.plugins import Hermes

    return Hermes.from_entry_points()
