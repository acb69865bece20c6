"""hermes plugin: Poolside model tool calls (``poolside_v1``)."""

from __future__ import annotations

from hermes_core import hookimpl


@hookimpl
def register_tool_call_parsers(register):
    from hermes_parser_poolside.parser import PoolsideV1Parser

    register(PoolsideV1Parser)
