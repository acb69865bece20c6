"""hermes plugin: Cohere Command A / Command R7B tool calls (``cohere_command3``, ``cohere_command4``)."""

from __future__ import annotations

from hermes_core import hookimpl

__all__ = ["CohereCommand3Parser", "CohereCommand4Parser"]


def __getattr__(name: str):
    if name in __all__:
        from hermes_parser_cohere import parser

        return getattr(parser, name)
    raise AttributeError(name)


@hookimpl
def register_tool_call_parsers(register):
    register(
        "hermes_parser_cohere.parser:CohereCommand3Parser", name="cohere_command3", aliases=("command_a",)
    )
    register("hermes_parser_cohere.parser:CohereCommand4Parser", name="cohere_command4", aliases=("cohere",))
