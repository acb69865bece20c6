"""hermes plugin: Upstage Solar Open 2 tool calls (``solar_open2``)."""

from __future__ import annotations

from hermes_core import hookimpl


@hookimpl
def register_tool_call_parsers(register):
    from hermes_parser_solar.parser import SolarOpen2Parser

    register(SolarOpen2Parser)
