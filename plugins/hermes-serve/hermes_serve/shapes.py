"""The upstream's JSON checked for the types the proxy relies on, before anything reads it.

An answer whose ``choices`` is a string, holds ``null``, or whose ``delta`` is a string is not an OpenAI
answer: the client gets a clear error (a 502, or an error event and ``[DONE]`` mid-stream) instead of a
cut stream or a 500. Extra fields and types the proxy does not read are left alone.
"""

from __future__ import annotations

from typing import Any

MAX_CHOICES = 128
"""Choices one answer may hold (OpenAI's largest ``n``): each streamed choice keeps parser state, so a
stream naming a million indexes would take ~1 GB."""


def _check(ok: bool, what: str) -> None:
    if not ok:
        raise ValueError(what)


def _optional(value: Any, kind: type | tuple[type, ...], what: str) -> None:
    _check(value is None or (isinstance(value, kind) and not isinstance(value, bool)), what)


def _message(message: Any, where: str) -> None:
    _check(message is None or isinstance(message, dict), f"{where} is not an object")
    if message:
        _optional(message.get("content"), (str, list), f"{where}.content is not a string")
        calls = message.get("tool_calls")
        _optional(calls, list, f"{where}.tool_calls is not a list")
        _check(all(isinstance(c, dict) for c in calls or ()), f"{where}.tool_calls holds a non-object")


def _choices(event: dict[str, Any], body: str) -> list[dict[str, Any]]:
    choices = event.get("choices")
    _optional(choices, list, "choices is not a list")
    _check(len(choices or ()) <= MAX_CHOICES, f"over {MAX_CHOICES} choices")
    for choice in choices or ():
        _check(isinstance(choice, dict), "choices holds a non-object")
        index = choice.get("index")
        _optional(index, int, "a choice's index is not an integer")
        _check(index is None or 0 <= index < MAX_CHOICES, f"a choice's index is not under {MAX_CHOICES}")
        _optional(choice.get("finish_reason"), str, "a choice's finish_reason is not a string")
        _message(choice.get(body), f"a choice's {body}")
    return choices or []


def check_chunk(event: Any) -> None:
    """A ``chat.completion.chunk`` (or a usage / error event); raises ``ValueError`` saying what is wrong."""
    _check(isinstance(event, dict), "a stream event is not a JSON object")
    _choices(event, "delta")


def check_completion(answer: Any) -> None:
    """A ``chat.completion``; raises ``ValueError`` saying what is wrong."""
    _check(isinstance(answer, dict), "not a JSON object")
    _choices(answer, "message")
