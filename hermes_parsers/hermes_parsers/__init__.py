"""hermes-parsers: the ``hermes`` tool-call format and ``auto``, which detects any installed format.

The classes are small and import only the core, so they are registered directly (no lazy strings).
"""

from __future__ import annotations

from hermes_core import hookimpl
from hermes_parsers.auto import AutoParser
from hermes_parsers.hermes import HermesParser

__all__ = ["AutoParser", "HermesParser"]


@hookimpl
def register_tool_call_parsers(register):
    register(HermesParser)
    register(AutoParser)
