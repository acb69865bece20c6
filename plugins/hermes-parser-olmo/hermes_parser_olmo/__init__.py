"""hermes plugin: the Olmo 3 tool-call parser (``olmo3``)."""

from __future__ import annotations

from hermes_core import hookimpl


@hookimpl
def register_tool_call_parsers(register):
    from hermes_parser_olmo.parser import Olmo3Parser

    register(Olmo3Parser)
