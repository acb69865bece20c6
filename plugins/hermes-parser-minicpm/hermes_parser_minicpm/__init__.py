"""hermes plugin: OpenBMB MiniCPM 5 tool calls (``minicpm5``)."""

from __future__ import annotations

from hermes_core import hookimpl


@hookimpl
def register_tool_call_parsers(register):
    from hermes_parser_minicpm.parser import MiniCPM5Parser

    register(MiniCPM5Parser)
