"""hermes plugin: DeepSeek tool-call parsers: V3 / R1 (``deepseek_v3``), V3.1 (``deepseek_v3_1``),
V3.2 DSML (``deepseek_v32``) and V4 DSML (``deepseek_v4``)."""

from __future__ import annotations

from hermes_core import hookimpl


@hookimpl
def register_tool_call_parsers(register):
    register("hermes_parser_deepseek.parser:DeepSeekV3Parser", name="deepseek_v3")
    register(
        "hermes_parser_deepseek.parser:DeepSeekV31Parser", name="deepseek_v3_1", aliases=("deepseek_v31",)
    )
    register(
        "hermes_parser_deepseek.dsml:DeepSeekV32Parser",
        name="deepseek_v32",
        aliases=("deepseek_v3_2", "deepseek-v3.2"),
    )
    register("hermes_parser_deepseek.dsml:DeepSeekV4Parser", name="deepseek_v4", aliases=("deepseek-v4",))
