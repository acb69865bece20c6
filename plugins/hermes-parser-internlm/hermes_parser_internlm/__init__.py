"""hermes plugin: the InternLM2 tool-call parser (``internlm``)."""

from __future__ import annotations

from hermes_core import hookimpl


@hookimpl
def register_tool_call_parsers(register):
    from hermes_parser_internlm.parser import InternLMParser

    register(InternLMParser)
