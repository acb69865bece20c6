"""hermes plugin: the gpt-oss harmony tool-call parser (``openai``)."""

from __future__ import annotations

from hermes_core import hookimpl


@hookimpl
def register_tool_call_parsers(register):
    from hermes_parser_openai.parser import HarmonyParser

    register(HarmonyParser)
