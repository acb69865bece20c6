"""``mimo``: the Qwen3-Coder XML format under Xiaomi MiMo's name (implemented once, in hermes-parser-qwen)."""

from __future__ import annotations

from hermes_parser_qwen.qwen3_coder import Qwen3CoderParser


class MimoParser(Qwen3CoderParser):
    """MiMo's calls: ``<function=NAME><parameter=KEY>VALUE</parameter></function>`` in ``<tool_call>``."""

    name = "mimo"
    aliases = ("mimo_v2",)
