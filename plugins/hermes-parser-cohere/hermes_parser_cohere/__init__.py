"""hermes plugin: Cohere Command A / Command R7B tool calls (``cohere_command3``, ``cohere_command4``)."""

from __future__ import annotations

from hermes_core import hookimpl


@hookimpl
def register_tool_call_parsers(register):
    from hermes_parser_cohere.parser import CohereCommand3Parser, CohereCommand4Parser

    register(CohereCommand3Parser)
    register(CohereCommand4Parser)
