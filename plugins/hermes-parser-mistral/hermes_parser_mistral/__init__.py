"""hermes plugin: the Mistral ``[TOOL_CALLS]`` tool-call parser (``mistral``)."""

from __future__ import annotations

from hermes_core import hookimpl


@hookimpl
def register_tool_call_parsers(register):
    from hermes_parser_mistral.parser import MistralParser

    register(MistralParser)
