"""hermes plugin: Baidu ERNIE-4.5 tool calls (``ernie45``), the hermes JSON format after the reasoning::

I need the weather.
</think>

<tool_call>
{"name": "get_current_temperature", "arguments": {"location": "Beijing"}}
</tool_call>
"""

from __future__ import annotations

from hermes_core import hookimpl


@hookimpl
def register_tool_call_parsers(register):
    # the hermes format under ERNIE's names (vLLM's Ernie45ToolParser): the core's shared class, no copy
    register("hermes_core.parsing_tags:HermesParser", name="ernie45", aliases=("ernie4_5", "ernie"))
