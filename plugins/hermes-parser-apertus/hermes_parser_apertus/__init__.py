"""hermes plugin: Swiss AI Apertus tool calls (``apertus``)."""

from __future__ import annotations

from hermes_core import hookimpl


@hookimpl
def register_tool_call_parsers(register):
    from hermes_parser_apertus.parser import ApertusParser

    register(ApertusParser)
