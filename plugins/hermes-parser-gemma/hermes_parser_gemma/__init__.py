"""hermes plugin: Google Gemma tool-call parsers (``gemma4``, ``functiongemma``)."""

from __future__ import annotations

from hermes_core import hookimpl


@hookimpl
def register_tool_call_parsers(register):
    register("hermes_parser_gemma.gemma4:Gemma4Parser", name="gemma4", aliases=("gemma_4",))
    register(
        "hermes_parser_gemma.functiongemma:FunctionGemmaParser",
        name="functiongemma",
        aliases=("function_gemma",),
    )
