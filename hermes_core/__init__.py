"""hermes: a thin plugin core for tool-calling LLM agents and the RL environments that train them.

Plugins import from here: ``from hermes_core import hookimpl, Tool, Toolset``.
"""

from hermes_core.hookspecs import hookimpl
from hermes_core.tools import Tool
from hermes_core.toolsets import Toolset

__version__ = "0.1.0"
__all__ = ["Tool", "Toolset", "__version__", "hookimpl"]
