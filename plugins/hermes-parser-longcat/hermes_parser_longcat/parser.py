"""LongCat-Flash writes the hermes JSON format in its own tags::

<longcat_tool_call>
{"name": "get_weather", "arguments": {"city": "Paris"}}
</longcat_tool_call>
"""

from __future__ import annotations

from hermes_core.parsing_tags import TaggedJsonParser

__all__ = ["LongcatParser"]


class LongcatParser(TaggedJsonParser):
    """JSON calls in ``<longcat_tool_call>`` tags (vLLM's ``longcat`` parser: hermes with other tags)."""

    name = "longcat"
    aliases = ("longcat_flash",)
    start_tag = "<longcat_tool_call>"
    end_tag = "</longcat_tool_call>"
