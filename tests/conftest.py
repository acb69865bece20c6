"""The core's tests name the kit's empty host ``host``."""

from __future__ import annotations

import pytest


@pytest.fixture
def host(hermes_empty_host):
    """An empty host installed as the process-wide one for the test's duration."""
    return hermes_empty_host
