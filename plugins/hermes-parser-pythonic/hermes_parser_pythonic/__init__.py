"""hermes plugin: the pythonic tool-call parser (``pythonic``: ``[get_weather(city='Paris')]``)."""

from __future__ import annotations

from hermes_core import hookimpl


@hookimpl
def register_tool_call_parsers(register):
    from hermes_parser_pythonic.parser import PythonicParser

    register(PythonicParser)
