"""pytest fixtures for environment tests, offered to every pytest session by hermes's pytest plugin."""

from __future__ import annotations

import gc

import pytest

from hermes_testkit.envs import build_tokenizer


@pytest.fixture(scope="session")
def env_tokenizer_dir(tmp_path_factory) -> str:
    """A tokenizer built locally (no hub), saved with a Hermes-style chat template: pass as tokenizer_name."""
    return str(build_tokenizer(tmp_path_factory.mktemp("env-tokenizer")))


@pytest.fixture
def env_local_backend(monkeypatch):
    """Sandboxes on the ``local`` backend; afterwards, finalise what atroposlib left open.

    atroposlib's servers never close their HTTP clients; if the garbage collector finalises them in the
    middle of a later ``compile()`` (pytest's assertion rewriting), CPython 3.11 fails with "AST
    constructor recursion depth mismatch". Collecting here, between tests, avoids that.
    """
    monkeypatch.setenv("TERMINAL_ENV", "local")
    monkeypatch.delenv("TERMINAL_CWD", raising=False)
    yield
    gc.collect()
