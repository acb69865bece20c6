"""hermes plugin: Inkling tool calls (``inkling``)."""

from __future__ import annotations

from hermes_core import hookimpl

__all__ = ["InklingParser"]


def __getattr__(name: str):
    if name == "InklingParser":
        from hermes_parser_inkling.parser import InklingParser

        return InklingParser
    raise AttributeError(name)


@hookimpl
def register_tool_call_parsers(register):
    register("hermes_parser_inkling.parser:InklingParser", name="inkling")
