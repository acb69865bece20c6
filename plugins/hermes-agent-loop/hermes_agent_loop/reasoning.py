"""Which reasoning fields go back to the server with the conversation, per endpoint, and how a reply's
text is split into reasoning and answer (a reasoning parser when one is named, else ``<think>`` blocks).

Servers disagree. DeepSeek's thinking mode answers 400 unless each assistant turn that called tools comes
back with its ``reasoning_content`` (Moonshot's Kimi thinking models need it too), while OpenAI and
most others reject an unknown message field. OpenRouter carries encrypted/structured reasoning in
``reasoning_details`` and wants it back unchanged so the upstream model keeps its chain of thought.
The trajectory always keeps every field; this decides only what is *sent*.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

__all__ = ["AUTO", "REASONING_FIELDS", "reasoning_parser", "round_trip_fields", "split_reply"]

AUTO = "auto"
NONE = "none"
REASONING_FIELDS = ("reasoning_content", "reasoning_details")

KNOWN_PROVIDERS: dict[str, tuple[str, ...]] = {
    "deepseek.com": ("reasoning_content",),
    "moonshot.ai": ("reasoning_content",),
    "moonshot.cn": ("reasoning_content",),
    "openrouter.ai": ("reasoning_details",),
}
"""Host suffix -> fields that endpoint needs back; any other endpoint gets none (the safe default)."""


def _host(base_url: str | None) -> str:
    if not base_url:
        return ""
    try:
        return (urlsplit(str(base_url)).hostname or "").lower()
    except ValueError:
        return ""


def round_trip_fields(setting: str | Iterable[str] | None, base_url: str | None = None) -> frozenset[str]:
    """The message fields to send back: ``setting`` is ``"auto"`` (by provider), ``"none"``, or field
    names (``"reasoning_content"``, ``"reasoning_details"``, a comma list, or an iterable of them)."""
    if setting is None or setting == AUTO:
        host = _host(base_url)
        for suffix, fields in KNOWN_PROVIDERS.items():
            if host == suffix or host.endswith("." + suffix):
                return frozenset(fields)
        return frozenset()
    if setting == NONE:
        return frozenset()
    names = [n.strip() for n in setting.split(",")] if isinstance(setting, str) else list(setting)
    unknown = [n for n in names if n and n not in REASONING_FIELDS]
    if unknown:
        from hermes_core.registry import HermesError

        choices = ", ".join((AUTO, NONE, *REASONING_FIELDS))
        raise HermesError(f"unknown reasoning field {unknown[0]!r}; choose from: {choices}")
    return frozenset(n for n in names if n)


def reasoning_parser(name: str | None) -> Any:
    """The reasoning parser registered as ``name`` (vLLM's ``--reasoning-parser`` names), or ``None``;
    an unknown name is a one-line error naming the distribution that provides them."""
    if not name:
        return None
    from hermes_core.plugins import get_hermes
    from hermes_core.registry import HermesError

    parsers = get_hermes().reasoning_parsers
    if not parsers.names():
        raise HermesError(
            f"unknown reasoning parser {name!r}: none is installed (pip install hermes-reasoning-parsers)"
        )
    return parsers.get(name)()


def split_reply(content: str | None, parser: Any = None) -> tuple[str | None, str | None]:
    """``(reasoning, answer)`` of a reply's text.

    With a reasoning parser the split is the parser's (the tool-call parser then reads the answer only,
    as vLLM composes them); without one, ``<think>`` blocks are taken out
    (:func:`hermes_agent_loop.trajectory.split_reasoning`) and other text is left alone.
    """
    if not content:
        return None, content
    if parser is not None:
        return parser.extract(content)
    if "think>" not in content:
        return None, content
    from hermes_agent_loop.trajectory import split_reasoning

    return split_reasoning(content)
