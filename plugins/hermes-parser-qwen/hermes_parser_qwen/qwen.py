"""Qwen2.5 / Qwen3: the chat templates render calls in hermes tags, one JSON object per block::

<tool_call>
{"name": "get_weather", "arguments": {"city": "Paris"}}
</tool_call>

That is the hermes format: ``qwen`` registers the core's shared :class:`HermesParser` under its name.
"""

from __future__ import annotations

from hermes_core.parsing_tags import HermesParser as QwenParser

__all__ = ["QwenParser"]
