"""hermes plugin: the Salesforce xLAM tool-call parser (``xlam``)."""

from __future__ import annotations

from hermes_core import hookimpl


@hookimpl
def register_tool_call_parsers(register):
    from hermes_parser_xlam.parser import XLamParser

    register(XLamParser)
