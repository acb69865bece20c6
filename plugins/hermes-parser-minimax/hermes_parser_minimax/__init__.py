"""hermes plugin: MiniMax-M2 (``minimax_m2``), M3 (``minimax_m3``) and M1 (``minimax``) tool-call parsers."""

from __future__ import annotations

from hermes_core import hookimpl


@hookimpl
def register_tool_call_parsers(register):
    register(
        "hermes_parser_minimax.m2:MinimaxM2Parser",
        name="minimax_m2",
        aliases=("minimax-m2", "minimax_m2_1", "minimax-m2.1"),
    )
    register("hermes_parser_minimax.m3:MinimaxM3Parser", name="minimax_m3", aliases=("minimax-m3",))
    register("hermes_parser_minimax.m1:MinimaxM1Parser", name="minimax", aliases=("minimax_m1", "minimax-m1"))
