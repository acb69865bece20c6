"""hermes plugin: Sber GigaChat 3 / 3.1 tool calls (``gigachat3``)."""

from __future__ import annotations

from hermes_core import hookimpl


@hookimpl
def register_tool_call_parsers(register):
    from hermes_parser_gigachat.parser import GigaChat3Parser

    register(GigaChat3Parser)
