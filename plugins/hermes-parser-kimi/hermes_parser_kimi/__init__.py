"""hermes plugin: the Kimi-K2 tool-call parser (``kimi_k2``)."""

from __future__ import annotations

from hermes_core import hookimpl
from hermes_parser_kimi.parser import KimiK2Parser
from hermes_parser_kimi.samples import SAMPLE_COMPLETIONS

__all__ = ["SAMPLE_COMPLETIONS", "KimiK2Parser"]


@hookimpl
def register_tool_call_parsers(register):
    register(KimiK2Parser)
