"""hermes plugin: Poolside model tool calls (``poolside_v1``)."""

from __future__ import annotations

from hermes_core import hookimpl

__all__ = ["PoolsideV1Parser"]


def __getattr__(name: str):
    if name == "PoolsideV1Parser":
        from hermes_parser_poolside.parser import PoolsideV1Parser

        return PoolsideV1Parser
    raise AttributeError(name)


@hookimpl
def register_tool_call_parsers(register):
    register("hermes_parser_poolside.parser:PoolsideV1Parser", name="poolside_v1", aliases=("poolside",))
