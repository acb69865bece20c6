"""hermes plugin: the Phi-4-mini tool-call parser (``phi4_mini_json``)."""

from __future__ import annotations

from hermes_core import hookimpl


@hookimpl
def register_tool_call_parsers(register):
    from hermes_parser_phi.parser import Phi4MiniJsonParser

    register(Phi4MiniJsonParser)
