"""hermes plugin: Llama tool-call parsers: ``llama3_json`` (alias ``llama4_json``) and ``llama4_pythonic``."""

from __future__ import annotations

from hermes_core import hookimpl


@hookimpl
def register_tool_call_parsers(register):
    register("hermes_parser_llama.parser:Llama3JsonParser", name="llama3_json", aliases=("llama4_json",))
    register("hermes_parser_llama.pythonic:Llama4PythonicParser", name="llama4_pythonic")
