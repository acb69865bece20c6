"""hermes plugin: LiquidAI LFM2 / LFM2.5 tool calls (``lfm2``)."""

from __future__ import annotations

from hermes_core import hookimpl


@hookimpl
def register_tool_call_parsers(register):
    from hermes_parser_lfm2.parser import Lfm2Parser

    register(Lfm2Parser)
