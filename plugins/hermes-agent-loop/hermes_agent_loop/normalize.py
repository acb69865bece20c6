"""Tool-call argument normalisation, exactly as hermes-agent's users rely on.

Models emit arguments in every shape: a JSON object (fine), a JSON object encoded twice (common with
small models), or plain text (``ls -la``). Rather than fail the call, hermes-agent coerces the last two
and RL metrics count each coercion against the model (``schema_valid=False``), so the reward can punish
the habit while the rollout still makes progress.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["normalize_arguments"]

TEXT_KEY_FOR_TOOL = {"terminal": "command"}
DEFAULT_TEXT_KEY = "input"

_loads = json.loads


def _wrap(name: str, text: str) -> dict[str, Any]:
    return {TEXT_KEY_FOR_TOOL.get(name, DEFAULT_TEXT_KEY): text}


def normalize_arguments(name: str, raw: Any) -> tuple[dict[str, Any], bool]:
    """``(arguments, schema_valid)`` for a tool call's raw ``function.arguments``.

    - a dict, a JSON object string, or nothing (``None`` / ``""``) passes as valid;
    - a JSON string holding a JSON object (double-encoded) is decoded: coerced;
    - anything else (plain text, a JSON list or number) becomes ``{"command": text}`` for ``terminal``
      and ``{"input": text}`` for other tools: coerced.
    """
    if isinstance(raw, dict):
        return raw, True
    if raw is None:
        return {}, True
    if not isinstance(raw, str):  # a list/number from a duck-typed client
        return _wrap(name, json.dumps(raw, ensure_ascii=False)), False
    text = raw.strip()
    if not text:
        return {}, True
    try:
        value = _loads(text)
    except (ValueError, RecursionError):  # nested deeper than the decoder goes: kept as the raw text
        return _wrap(name, raw), False
    if isinstance(value, dict):
        return value, True
    if isinstance(value, str):
        inner = value.strip()
        if inner.startswith("{"):
            try:
                decoded = _loads(inner)
            except (ValueError, RecursionError):
                decoded = None
            if isinstance(decoded, dict):
                return decoded, False
        return _wrap(name, value), False
    return _wrap(name, raw), False
