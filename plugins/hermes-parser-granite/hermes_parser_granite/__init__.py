"""hermes plugin: IBM Granite tool-call parsers (``granite``, ``granite4``, ``granite-20b-fc``)."""

from __future__ import annotations

from hermes_core import hookimpl


@hookimpl
def register_tool_call_parsers(register):
    register("hermes_parser_granite.granite:GraniteParser", name="granite", aliases=("granite3",))
    register("hermes_parser_granite.granite4:Granite4Parser", name="granite4", aliases=("granite_4",))
    register(
        "hermes_parser_granite.granite20b:Granite20bFCParser",
        name="granite-20b-fc",
        aliases=("granite_20b_fc",),
    )
