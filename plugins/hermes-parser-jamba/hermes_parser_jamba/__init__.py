"""hermes plugin: the AI21 Jamba tool-call parser (``jamba``)."""

from __future__ import annotations

from hermes_core import hookimpl


@hookimpl
def register_tool_call_parsers(register):
    from hermes_parser_jamba.parser import JambaParser

    register(JambaParser)
