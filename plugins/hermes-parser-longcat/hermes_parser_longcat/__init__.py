"""hermes plugin: Meituan LongCat-Flash tool calls (``longcat``), the hermes format in its own tags."""

from __future__ import annotations

from hermes_core import hookimpl


@hookimpl
def register_tool_call_parsers(register):
    from hermes_parser_longcat.parser import LongcatParser

    register(LongcatParser)
