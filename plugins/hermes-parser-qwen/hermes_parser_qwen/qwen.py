"""Qwen2.5 / Qwen3: the chat templates render calls in hermes tags, one JSON object per block::

<tool_call>
{"name": "get_weather", "arguments": {"city": "Paris"}}
</tool_call>
"""

from __future__ import annotations

from hermes_core.parsing_tags import TaggedJsonParser


class QwenParser(TaggedJsonParser):
    """Its own name so that a Qwen pipeline does not depend on hermes-parsers being installed."""

    name = "qwen"
    aliases = ("qwen2_5", "qwen3")
    start_tag = "<tool_call>"
    end_tag = "</tool_call>"
