"""hermes-parser-qwen: tool-call parsers for the Qwen families.

- ``qwen``: Qwen2.5 / Qwen3 / QwQ, whose chat templates use the hermes ``<tool_call>{json}</tool_call>``;
- ``qwen3_coder``: Qwen3-Coder's ``<function=NAME><parameter=KEY>VALUE</parameter></function>``.
"""

from __future__ import annotations

from hermes_core import hookimpl


@hookimpl
def register_tool_call_parsers(register):
    from hermes_parser_qwen.qwen import QwenParser
    from hermes_parser_qwen.qwen3_coder import Qwen3CoderParser

    register(QwenParser)
    register(Qwen3CoderParser)
