"""hermes plugin: Baidu ERNIE-4.5 tool calls (``ernie45``), the hermes format after the reasoning."""

from __future__ import annotations

from hermes_core import hookimpl


@hookimpl
def register_tool_call_parsers(register):
    from hermes_parser_ernie.parser import Ernie45Parser

    register(Ernie45Parser)
