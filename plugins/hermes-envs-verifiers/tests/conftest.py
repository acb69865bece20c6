"""Every episode's sandbox on the ``local`` backend."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _local(env_local_backend):
    yield
