"""hermes plugin: MuseGlimmer tool calls (``muse_glimmer``)."""

from __future__ import annotations

from hermes_core import hookimpl


@hookimpl
def register_tool_call_parsers(register):
    from hermes_parser_muse.parser import MuseGlimmerParser

    register(MuseGlimmerParser)
