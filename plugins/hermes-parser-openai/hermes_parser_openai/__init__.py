"""hermes plugin: the gpt-oss harmony tool-call parser (``openai``)."""

from __future__ import annotations

from hermes_core import hookimpl


@hookimpl
def register_tool_call_parsers(register):
    register(
        "hermes_parser_openai.parser:HarmonyParser", name="openai", aliases=("gpt_oss", "gpt-oss", "harmony")
    )
