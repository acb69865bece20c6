"""hermes plugin: rednote-hilab dots tool calls (``dots``)."""

from __future__ import annotations

from hermes_core import hookimpl

__all__ = ["DotsParser"]


def __getattr__(name: str):
    if name == "DotsParser":
        from hermes_parser_dots.parser import DotsParser

        return DotsParser
    raise AttributeError(name)


@hookimpl
def register_tool_call_parsers(register):
    register("hermes_parser_dots.parser:DotsParser", name="dots")
