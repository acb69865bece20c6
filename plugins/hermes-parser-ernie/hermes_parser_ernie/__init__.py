"""hermes plugin: Baidu ERNIE-4.5 tool calls (``ernie45``), the hermes JSON format after the reasoning::

I need the weather.
</think>

<tool_call>
{"name": "get_current_temperature", "arguments": {"location": "Beijing"}}
</tool_call>
"""

from __future__ import annotations

from hermes_core import hookimpl

__all__ = ["Ernie45Parser"]


def __getattr__(name: str):
    if name == "Ernie45Parser":
        from hermes_parser_ernie.parser import Ernie45Parser

        return Ernie45Parser
    raise AttributeError(name)


@hookimpl
def register_tool_call_parsers(register):
    register("hermes_parser_ernie.parser:Ernie45Parser", name="ernie45", aliases=("ernie4_5", "ernie"))
