"""Fixtures for the GSM8K tests: a local tokenizer, the local backend, a scripted solver."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _local(env_local_backend):
    yield


@pytest.fixture(scope="session")
def solver_factory():
    from hermes_env_gsm8k.testing import Gsm8kSolver

    return Gsm8kSolver
