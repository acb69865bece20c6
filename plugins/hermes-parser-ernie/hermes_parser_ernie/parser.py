"""ERNIE-4.5 (``ernie45``): ``<tool_call>{"name": ..., "arguments": {...}}</tool_call>`` blocks.

The format is the hermes one in the same tags; what ERNIE adds (``</think>``, ``<response>`` around
plain answers) stays in the content, as the other parsers leave reasoning to a reasoning parser.
"""

from __future__ import annotations

from hermes_core.parsing_tags import TaggedJsonParser


class Ernie45Parser(TaggedJsonParser):
    """JSON calls in ``<tool_call>`` tags, as vLLM's ``Ernie45ToolParser``."""

    name = "ernie45"
    aliases = ("ernie4_5", "ernie")
    start_tag = "<tool_call>"
    end_tag = "</tool_call>"
