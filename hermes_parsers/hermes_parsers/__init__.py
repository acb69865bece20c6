"""hermes-parsers: the ``hermes`` tool-call format and ``auto``, which detects any installed format."""

from __future__ import annotations

from hermes_core import hookimpl


@hookimpl
def register_tool_call_parsers(register):
    from hermes_parsers.auto import AutoParser
    from hermes_parsers.hermes import HermesParser

    register(HermesParser)
    register(AutoParser)
