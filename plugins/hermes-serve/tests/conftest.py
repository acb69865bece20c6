"""Fixtures: the kit's scripted upstream and ``hermes serve`` in front of it, both on 127.0.0.1."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # serve_kit, the helpers these tests share

from hermes_serve.config import ServeConfig
from serve_kit import HERMES_CALL, answer, serve_in_thread

from hermes_testkit.openai_server import ScriptedOpenAIServer


@pytest.fixture
def upstream():
    """A started upstream answering ``HERMES_CALL``; tests set ``upstream.responder``."""
    with ScriptedOpenAIServer(model="upstream-model") as server:
        server.responder = lambda body: answer(HERMES_CALL)
        yield server


@pytest.fixture
def serve(upstream):
    """``serve(**config)`` starts the proxy in front of ``upstream`` (parser hermes by default)."""
    servers = []

    def start(**overrides):
        config = ServeConfig(**{"upstream": upstream.base_url, "parser": "hermes", "port": 0, **overrides})
        server = serve_in_thread(config)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()
