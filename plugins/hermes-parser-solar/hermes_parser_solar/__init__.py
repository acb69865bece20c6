"""hermes plugin: Upstage Solar Open 2 tool calls (``solar_open2``)."""

from __future__ import annotations

from hermes_core import hookimpl

__all__ = ["SolarOpen2Parser"]


def __getattr__(name: str):
    if name == "SolarOpen2Parser":
        from hermes_parser_solar.parser import SolarOpen2Parser

        return SolarOpen2Parser
    raise AttributeError(name)


@hookimpl
def register_tool_call_parsers(register):
    register("hermes_parser_solar.parser:SolarOpen2Parser", name="solar_open2", aliases=("solar",))
