"""The agent tests name the kit's empty host ``host``; ``server`` is the kit's scripted OpenAI server."""

from __future__ import annotations

import pytest


@pytest.fixture
def host(hermes_empty_host):
    """An empty host installed as the process-wide one for the test's duration, holding only this
    plugin (so ``hermes run``, ``batch`` and ``chat`` exist on the command line)."""
    import hermes_agent_loop.plugin

    hermes_empty_host.register(hermes_agent_loop.plugin, name="hermes-agent-loop")
    return hermes_empty_host
