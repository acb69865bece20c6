"""hermes plugin: tool-call parsers for DeepSeek-V3 / R1 (``deepseek_v3``) and V3.1 (``deepseek_v3_1``)."""

from __future__ import annotations

from hermes_core import hookimpl
from hermes_parser_deepseek.parser import DeepSeekV3Parser, DeepSeekV31Parser
from hermes_parser_deepseek.samples import SAMPLE_COMPLETIONS

__all__ = ["SAMPLE_COMPLETIONS", "DeepSeekV31Parser", "DeepSeekV3Parser"]


@hookimpl
def register_tool_call_parsers(register):
    register(DeepSeekV3Parser)
    register(DeepSeekV31Parser)
