"""hermes plugin: Google Gemma tool-call parsers (``gemma4``, ``functiongemma``)."""

from __future__ import annotations

from hermes_core import hookimpl


@hookimpl
def register_tool_call_parsers(register):
    from hermes_parser_gemma.functiongemma import FunctionGemmaParser
    from hermes_parser_gemma.gemma4 import Gemma4Parser

    register(Gemma4Parser)
    register(FunctionGemmaParser)
