"""hermes plugin: Llama tool-call parsers: ``llama3_json`` (alias ``llama4_json``) and ``llama4_pythonic``."""

from __future__ import annotations

from hermes_core import hookimpl


@hookimpl
def register_tool_call_parsers(register):
    from hermes_parser_llama.parser import Llama3JsonParser
    from hermes_parser_llama.pythonic import Llama4PythonicParser

    register(Llama3JsonParser)
    register(Llama4PythonicParser)
