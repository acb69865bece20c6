"""Qwen2.5 / Qwen3: the chat templates render calls in hermes tags, one JSON object per block::

<tool_call>
{"name": "get_weather", "arguments": {"city": "Paris"}}
</tool_call>

That is the hermes format: ``qwen`` is the core's shared :class:`HermesParser` under Qwen's names.
"""

from __future__ import annotations

from hermes_core.parsing_tags import HermesParser

__all__ = ["QwenParser"]


class QwenParser(HermesParser):
    """The hermes format under Qwen's names (vLLM serves Qwen with ``--tool-call-parser hermes``)."""

    name = "qwen"
    aliases = ("qwen2_5", "qwen3")
