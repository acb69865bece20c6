"""hermes plugin: rednote-hilab dots tool calls (``dots``)."""

from __future__ import annotations

from hermes_core import hookimpl


@hookimpl
def register_tool_call_parsers(register):
    from hermes_parser_dots.parser import DotsParser

    register(DotsParser)
