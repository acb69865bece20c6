"""hermes plugin: the Llama 3.x / 4 JSON tool-call parser (``llama3_json``, alias ``llama4_json``)."""

from __future__ import annotations

from hermes_core import hookimpl
from hermes_parser_llama.parser import Llama3JsonParser
from hermes_parser_llama.samples import SAMPLE_COMPLETIONS

__all__ = ["SAMPLE_COMPLETIONS", "Llama3JsonParser"]


@hookimpl
def register_tool_call_parsers(register):
    register(Llama3JsonParser)
