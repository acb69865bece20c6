"""hermes plugin: MiniMax-M2 (``minimax_m2``) and MiniMax-M1 (``minimax``) tool-call parsers."""

from __future__ import annotations

from hermes_core import hookimpl


@hookimpl
def register_tool_call_parsers(register):
    register(
        "hermes_parser_minimax.m2:MinimaxM2Parser",
        name="minimax_m2",
        aliases=("minimax-m2", "minimax_m2_1", "minimax-m2.1"),
    )
    register("hermes_parser_minimax.m1:MinimaxM1Parser", name="minimax", aliases=("minimax_m1", "minimax-m1"))
