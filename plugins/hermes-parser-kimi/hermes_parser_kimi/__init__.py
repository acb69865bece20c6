"""hermes plugin: Kimi tool-call parsers: K2 (``kimi_k2``) and K3 XTML (``kimi_k3``)."""

from __future__ import annotations

from hermes_core import hookimpl


@hookimpl
def register_tool_call_parsers(register):
    from hermes_parser_kimi.k3 import KimiK3Parser
    from hermes_parser_kimi.parser import KimiK2Parser

    register(KimiK2Parser)
    register(KimiK3Parser)
