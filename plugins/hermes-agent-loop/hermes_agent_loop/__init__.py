"""The agent loop, its result types, argument normalisation, truncation and trajectories.

``import hermes_agent_loop`` imports nothing heavy: the names below load on first use, so loading the
plugin (``hermes_agent_loop.plugin``, what ``hermes plugins list`` does) costs microseconds. Clients are
passed in, so the loop itself imports neither openai nor atroposlib. Plugins shape every run through the
lifecycle hooks (``hermes_core.hookspecs``, "Lifecycle hooks"), which the loop calls through
:class:`RunHooks`.
"""

from __future__ import annotations

from typing import Any

_LAZY = {
    "AgentEvent": "hermes_agent_loop.loop",
    "AgentLoop": "hermes_agent_loop.loop",
    "AgentResult": "hermes_agent_loop.loop",
    "ResultBudget": "hermes_agent_loop.budget",
    "RunHooks": "hermes_agent_loop.hooks",
    "RunInfo": "hermes_agent_loop.hooks",
    "ToolCallMetrics": "hermes_agent_loop.metrics",
    "ToolError": "hermes_agent_loop.metrics",
    "tool_executor": "hermes_agent_loop.loop",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'hermes_agent_loop' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
