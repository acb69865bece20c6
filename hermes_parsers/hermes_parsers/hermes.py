"""The hermes format (NousResearch Hermes 2 Pro / 3, and every model trained on its data)::

<tool_call>
{"name": "get_weather", "arguments": {"city": "Paris"}}
</tool_call>
"""

from __future__ import annotations

from hermes_core.parsing_tags import TaggedJsonParser


class HermesParser(TaggedJsonParser):
    """``<tool_call>{json}</tool_call>``, repeated; an unclosed final block with complete JSON counts."""

    name = "hermes"
    aliases = ("hermes2_pro",)
    start_tag = "<tool_call>"
    end_tag = "</tool_call>"
