"""hermes plugin: IBM Granite tool-call parsers (``granite``, ``granite4``, ``granite-20b-fc``)."""

from __future__ import annotations

from hermes_core import hookimpl


@hookimpl
def register_tool_call_parsers(register):
    from hermes_parser_granite.granite import GraniteParser
    from hermes_parser_granite.granite4 import Granite4Parser
    from hermes_parser_granite.granite20b import Granite20bFCParser

    register(GraniteParser)
    register(Granite4Parser)
    register(Granite20bFCParser)
