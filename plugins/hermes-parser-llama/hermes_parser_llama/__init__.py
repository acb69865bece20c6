"""hermes plugin: Llama tool-call parsers: ``llama3_json`` (alias ``llama4_json``) and ``llama4_pythonic``."""

from __future__ import annotations

from hermes_core import hookimpl
from hermes_parser_llama.parser import Llama3JsonParser
from hermes_parser_llama.samples import SAMPLE_COMPLETIONS

__all__ = ["SAMPLE_COMPLETIONS", "Llama3JsonParser"]


@hookimpl
def register_tool_call_parsers(register):
    register(Llama3JsonParser)
    register("hermes_parser_llama.pythonic:Llama4PythonicParser", name="llama4_pythonic")
