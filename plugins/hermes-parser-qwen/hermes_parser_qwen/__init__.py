"""hermes-parser-qwen: tool-call parsers for the Qwen families.

- ``qwen``: Qwen2.5 / Qwen3 / QwQ, whose chat templates use the hermes ``<tool_call>{json}</tool_call>``;
- ``qwen3_coder``: Qwen3-Coder's ``<function=NAME><parameter=KEY>VALUE</parameter></function>``.
"""

from __future__ import annotations

from hermes_core import hookimpl


@hookimpl
def register_tool_call_parsers(register):
    # the hermes format under Qwen's names: the core's shared class, no copy
    register("hermes_core.parsing_tags:HermesParser", name="qwen", aliases=("qwen2_5", "qwen3"))
    register(
        "hermes_parser_qwen.qwen3_coder:Qwen3CoderParser",
        name="qwen3_coder",
        aliases=("qwen3_xml", "mimo", "mimo_v2"),
    )
