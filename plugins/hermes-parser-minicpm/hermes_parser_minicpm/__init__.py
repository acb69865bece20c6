"""hermes plugin: OpenBMB MiniCPM 5 tool calls (``minicpm5``)."""

from __future__ import annotations

from hermes_core import hookimpl

__all__ = ["MiniCPM5Parser"]


def __getattr__(name: str):
    if name == "MiniCPM5Parser":
        from hermes_parser_minicpm.parser import MiniCPM5Parser

        return MiniCPM5Parser
    raise AttributeError(name)


@hookimpl
def register_tool_call_parsers(register):
    register("hermes_parser_minicpm.parser:MiniCPM5Parser", name="minicpm5", aliases=("minicpm5_xml",))
