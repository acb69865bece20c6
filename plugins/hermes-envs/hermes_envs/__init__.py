"""RL environments on atroposlib: :class:`HermesAgentBaseEnv` and :class:`ToolContext`.

This is the only part of hermes that imports atroposlib, and only when an environment class is asked
for: ``import hermes_envs.tool_context`` (what reward code needs) stays light.
"""

from __future__ import annotations

from typing import Any

_LAZY = {
    "HermesAgentBaseEnv": "hermes_envs.base",
    "HermesAgentEnvConfig": "hermes_envs.base",
    "Rollout": "hermes_envs.base",
    "server_config_from_env": "hermes_envs.base",
    "ToolContext": "hermes_envs.tool_context",
    "ToolContextError": "hermes_envs.tool_context",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'hermes_envs' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
