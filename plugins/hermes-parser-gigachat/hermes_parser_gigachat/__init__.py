"""hermes plugin: Sber GigaChat 3 / 3.1 tool calls (``gigachat3``)."""

from __future__ import annotations

from hermes_core import hookimpl

__all__ = ["GigaChat3Parser"]


def __getattr__(name: str):
    if name == "GigaChat3Parser":
        from hermes_parser_gigachat.parser import GigaChat3Parser

        return GigaChat3Parser
    raise AttributeError(name)


@hookimpl
def register_tool_call_parsers(register):
    register("hermes_parser_gigachat.parser:GigaChat3Parser", name="gigachat3", aliases=("gigachat",))
