"""ERNIE-4.5 writes the hermes JSON format after its reasoning::

I need the weather.
</think>

<tool_call>
{"name": "get_current_temperature", "arguments": {"location": "Beijing"}}
</tool_call>
"""

from __future__ import annotations

from hermes_core.parsing_tags import HermesParser

__all__ = ["Ernie45Parser"]


class Ernie45Parser(HermesParser):
    """The hermes format under ERNIE's names (vLLM's ``Ernie45ToolParser``): the core's class, no copy."""

    name = "ernie45"
    aliases = ("ernie4_5", "ernie")
