"""hermes plugin: DeepSeek tool-call parsers: V3 / R1 (``deepseek_v3``), V3.1 (``deepseek_v3_1``),
V3.2 DSML (``deepseek_v32``) and V4 DSML (``deepseek_v4``)."""

from __future__ import annotations

from hermes_core import hookimpl
from hermes_parser_deepseek.parser import DeepSeekV3Parser, DeepSeekV31Parser
from hermes_parser_deepseek.samples import SAMPLE_COMPLETIONS

__all__ = ["SAMPLE_COMPLETIONS", "DeepSeekV31Parser", "DeepSeekV3Parser"]


@hookimpl
def register_tool_call_parsers(register):
    register(DeepSeekV3Parser)
    register(DeepSeekV31Parser)
    register(
        "hermes_parser_deepseek.dsml:DeepSeekV32Parser",
        name="deepseek_v32",
        aliases=("deepseek_v3_2", "deepseek-v3.2"),
    )
    register("hermes_parser_deepseek.dsml:DeepSeekV4Parser", name="deepseek_v4", aliases=("deepseek-v4",))
