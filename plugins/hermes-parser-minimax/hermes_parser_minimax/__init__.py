"""hermes plugin: MiniMax-M2 (``minimax_m2``), M3 (``minimax_m3``) and M1 (``minimax``) tool-call parsers."""

from __future__ import annotations

from hermes_core import hookimpl


@hookimpl
def register_tool_call_parsers(register):
    from hermes_parser_minimax.m1 import MinimaxM1Parser
    from hermes_parser_minimax.m2 import MinimaxM2Parser
    from hermes_parser_minimax.m3 import MinimaxM3Parser

    register(MinimaxM2Parser)
    register(MinimaxM3Parser)
    register(MinimaxM1Parser)
