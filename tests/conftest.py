"""The core's tests name the kit's empty host ``host``."""

from __future__ import annotations

import pytest


@pytest.fixture
def host(hermes_empty_host):
    """An empty host installed as the process-wide one for the test's duration."""
    return hermes_empty_host


class RunSpecs:
    """Two run-time hooks as a plugin declares them (the agent loop's lifecycle hooks are its own)."""

    from hermes_core.hookspecs import hookspec

    @hookspec
    def on_run_start(run):
        """A run begins."""

    @hookspec
    def pre_tool_call(run, tool_name, arguments, call_id):
        """Before a tool runs."""


@pytest.fixture
def run_hooks_host():
    """A fresh host where a plugin has declared run-time hooks through ``register_hookspecs``."""
    import types

    from hermes_core.hookspecs import hookimpl
    from hermes_core.plugins import Hermes

    declarer = types.ModuleType("declarer")
    declarer.register_hookspecs = hookimpl(lambda register: register(RunSpecs))
    host = Hermes()
    assert host.register(declarer, name="declarer").status == "ok"
    return host
