"""hermes plugin: Swiss AI Apertus tool calls (``apertus``)."""

from __future__ import annotations

from hermes_core import hookimpl

__all__ = ["ApertusParser"]


def __getattr__(name: str):
    if name == "ApertusParser":
        from hermes_parser_apertus.parser import ApertusParser

        return ApertusParser
    raise AttributeError(name)


@hookimpl
def register_tool_call_parsers(register):
    register("hermes_parser_apertus.parser:ApertusParser", name="apertus")
