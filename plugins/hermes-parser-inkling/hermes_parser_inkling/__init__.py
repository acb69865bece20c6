"""hermes plugin: Inkling tool calls (``inkling``)."""

from __future__ import annotations

from hermes_core import hookimpl


@hookimpl
def register_tool_call_parsers(register):
    from hermes_parser_inkling.parser import InklingParser

    register(InklingParser)
