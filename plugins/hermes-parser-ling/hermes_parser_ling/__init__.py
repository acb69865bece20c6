"""hermes plugin: inclusionAI Ling 3 tool calls (``ling3``).

vLLM's ``Ling3Parser`` is its GLM-4.7 parser under another name (the same tool-call engine config, with
thinking on by default), so this plugin registers hermes-parser-glm's implementation under Ling's name.
"""

from __future__ import annotations

from hermes_core import hookimpl

__all__ = ["Ling3Parser"]


def __getattr__(name: str):
    if name == "Ling3Parser":
        from hermes_parser_ling.parser import Ling3Parser

        return Ling3Parser
    raise AttributeError(name)


@hookimpl
def register_tool_call_parsers(register):
    register("hermes_parser_ling.parser:Ling3Parser", name="ling3")
