"""hermes plugin: DeepSeek tool-call parsers: V3 / R1 (``deepseek_v3``), V3.1 (``deepseek_v3_1``),
V3.2 DSML (``deepseek_v32``) and V4 DSML (``deepseek_v4``)."""

from __future__ import annotations

from hermes_core import hookimpl


@hookimpl
def register_tool_call_parsers(register):
    from hermes_parser_deepseek.dsml import DeepSeekV4Parser, DeepSeekV32Parser
    from hermes_parser_deepseek.parser import DeepSeekV3Parser, DeepSeekV31Parser

    register(DeepSeekV3Parser)
    register(DeepSeekV31Parser)
    register(DeepSeekV32Parser)
    register(DeepSeekV4Parser)
