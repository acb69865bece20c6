"""hermes: a thin plugin core for tool-calling LLM agents and the RL environments that train them.

Plugins import from here: ``from hermes_core import hookimpl, Tool, Toolset``. The names load on first
use, so ``from hermes_core.parsing import ...`` (what an inference server embedding one parser does)
imports neither pluggy nor the tool machinery.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hermes_core.hookspecs import hookimpl
    from hermes_core.tools import Tool
    from hermes_core.toolsets import Toolset

__version__ = "0.1.0"
__all__ = ["Tool", "Toolset", "__version__", "hookimpl"]

_LAZY = {"hookimpl": "hermes_core.hookspecs", "Tool": "hermes_core.tools", "Toolset": "hermes_core.toolsets"}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'hermes_core' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
