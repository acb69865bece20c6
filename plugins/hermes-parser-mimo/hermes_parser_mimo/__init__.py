"""hermes plugin: Xiaomi MiMo tool calls (``mimo``).

vLLM's registry serves ``mimo`` with the same class as ``qwen3_coder`` (``Qwen3EngineToolParser``): MiMo
models write Qwen3-Coder's ``<tool_call><function=NAME><parameter=KEY>VALUE</parameter></function>``.
So does this plugin: it registers hermes-parser-qwen's implementation under MiMo's name.
"""

from __future__ import annotations

from hermes_core import hookimpl

__all__ = ["MimoParser"]


def __getattr__(name: str):
    if name == "MimoParser":
        from hermes_parser_mimo.parser import MimoParser

        return MimoParser
    raise AttributeError(name)


@hookimpl
def register_tool_call_parsers(register):
    register("hermes_parser_mimo.parser:MimoParser", name="mimo", aliases=("mimo_v2",))
