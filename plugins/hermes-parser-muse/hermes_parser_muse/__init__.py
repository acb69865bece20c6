"""hermes plugin: MuseGlimmer tool calls (``muse_glimmer``)."""

from __future__ import annotations

from hermes_core import hookimpl

__all__ = ["MuseGlimmerParser"]


def __getattr__(name: str):
    if name == "MuseGlimmerParser":
        from hermes_parser_muse.parser import MuseGlimmerParser

        return MuseGlimmerParser
    raise AttributeError(name)


@hookimpl
def register_tool_call_parsers(register):
    register("hermes_parser_muse.parser:MuseGlimmerParser", name="muse_glimmer")
