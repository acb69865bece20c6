"""hermes plugin: LiquidAI LFM2 / LFM2.5 tool calls (``lfm2``)."""

from __future__ import annotations

from hermes_core import hookimpl

__all__ = ["Lfm2Parser"]


def __getattr__(name: str):
    if name == "Lfm2Parser":
        from hermes_parser_lfm2.parser import Lfm2Parser

        return Lfm2Parser
    raise AttributeError(name)


@hookimpl
def register_tool_call_parsers(register):
    register("hermes_parser_lfm2.parser:Lfm2Parser", name="lfm2", aliases=("lfm2_5", "liquid"))
