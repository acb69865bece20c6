"""hermes plugin: Kimi tool-call parsers: K2 (``kimi_k2``) and K3 XTML (``kimi_k3``)."""

from __future__ import annotations

from hermes_core import hookimpl


@hookimpl
def register_tool_call_parsers(register):
    register("hermes_parser_kimi.parser:KimiK2Parser", name="kimi_k2")
    register("hermes_parser_kimi.k3:KimiK3Parser", name="kimi_k3", aliases=("kimi-k3",))
