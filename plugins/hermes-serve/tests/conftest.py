"""Fixtures: a scripted streaming upstream and ``hermes serve`` in front of it, both on 127.0.0.1."""

from __future__ import annotations

import pytest
from hermes_serve.config import ServeConfig
from hermes_serve.testing import HERMES_CALL, Answer, ScriptedUpstream, serve_in_thread


@pytest.fixture
def upstream():
    """A started upstream; tests set ``upstream.respond``."""
    with ScriptedUpstream(lambda body: Answer(HERMES_CALL)) as server:
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
