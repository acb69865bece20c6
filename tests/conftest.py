"""Shared fixtures: a fresh plugin host per test, so tests never leak registrations into each other."""

from __future__ import annotations

import pytest

from hermes_core.plugins import Hermes, set_hermes


@pytest.fixture
def host():
    """An empty host installed as the process-wide one for the test's duration."""
    import hermes_core.plugins as plugins

    previous = plugins._host
    fresh = Hermes()
    set_hermes(fresh)
    yield fresh
    set_hermes(previous)
