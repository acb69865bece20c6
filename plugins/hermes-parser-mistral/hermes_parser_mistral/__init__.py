"""hermes plugin: the Mistral ``[TOOL_CALLS]`` tool-call parser (``mistral``)."""

from __future__ import annotations

from hermes_core import hookimpl
from hermes_parser_mistral.parser import MistralParser
from hermes_parser_mistral.samples import SAMPLE_COMPLETIONS

__all__ = ["SAMPLE_COMPLETIONS", "MistralParser"]


@hookimpl
def register_tool_call_parsers(register):
    register(MistralParser)
