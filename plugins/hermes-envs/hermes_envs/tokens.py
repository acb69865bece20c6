"""Tokens and loss masks for a finished trajectory, from the tokenizer's chat template (phase 1).

An OpenAI-compatible server gives text, not token ids, so phase 1 re-renders the whole conversation with
the chat template and marks the tokens of assistant turns as trainable (every other token is ``-100``).
atroposlib's ``tokenize_for_trainer`` does not fit: it renders without ``tools=`` and, under
transformers 5, ``apply_chat_template`` returns a ``BatchEncoding`` rather than a list. Here the template
renders text, assistant spans are found as character ranges between prefix renderings, and the offsets
of a single tokenisation decide the mask, so a token is trainable exactly when it was generated.
"""

from __future__ import annotations

import json
import logging
from typing import Any

log = logging.getLogger("hermes.envs")

IGNORE = -100


def template_messages(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Messages as Hugging Face chat templates expect them: tool-call arguments as objects, no ``None``."""
    out = []
    for message in messages:
        message = dict(message)
        if message.get("content") is None:
            message["content"] = ""
        if message.get("tool_calls"):
            calls = []
            for call in message["tool_calls"]:
                function = dict(call.get("function") or {})
                arguments = function.get("arguments")
                if isinstance(arguments, str):
                    try:
                        function["arguments"] = json.loads(arguments) if arguments.strip() else {}
                    except ValueError:
                        pass  # not JSON: the template shows the string as the model wrote it
                calls.append({**call, "function": function})
            message["tool_calls"] = calls
        out.append(message)
    return out


def render(
    tokenizer: Any,
    messages: list[dict[str, Any]],
    tools: list[dict[str, Any]] | None = None,
    add_generation_prompt: bool = False,
) -> str:
    kwargs: dict[str, Any] = {"tokenize": False, "add_generation_prompt": add_generation_prompt}
    if tools:
        kwargs["tools"] = tools
    return tokenizer.apply_chat_template(template_messages(messages), **kwargs)


def _special_tokens(tokenizer: Any) -> tuple[str, ...]:
    names = set(getattr(tokenizer, "all_special_tokens", None) or ())
    for token in (getattr(tokenizer, "added_tokens_decoder", None) or {}).values():
        if getattr(token, "special", False):
            names.add(str(token))
    return tuple(n for n in names if n)


def _turn_end(text: str, end: int, markers: tuple[str, ...]) -> int:
    """``end`` moved back over the whitespace a template writes after an end-of-turn token.

    The model stops at its end-of-turn token (``<|im_end|>``); the ``"\\n"`` that ChatML and similar
    templates put after it was never generated, so it is not trained on.
    """
    stripped = text[:end].rstrip()
    if len(stripped) < end and markers and stripped.endswith(markers):
        return len(stripped)
    return end


def tokenize_trajectory(
    tokenizer: Any, messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None = None
) -> tuple[list[int], list[int]]:
    """``(tokens, masks)`` for ``messages``: assistant turns keep their ids in ``masks``, the rest -100."""
    full = render(tokenizer, messages, tools)
    markers = _special_tokens(tokenizer)
    spans: list[tuple[int, int]] = []
    for index, message in enumerate(messages):
        if message.get("role") != "assistant":
            continue
        start = len(render(tokenizer, messages[:index], tools, add_generation_prompt=True))
        end_text = render(tokenizer, messages[: index + 1], tools)
        if not full.startswith(end_text) or start > len(end_text):
            # A template that rewrites earlier turns (e.g. drops old reasoning) is not prefix-stable:
            # train on everything after the prompt rather than guess at boundaries.
            log.debug("chat template is not prefix-stable; masking only the first prompt")
            first = next(i for i, m in enumerate(messages) if m.get("role") == "assistant")
            first_start = len(render(tokenizer, messages[:first], tools, add_generation_prompt=True))
            spans = [(first_start, _turn_end(full, len(full), markers))]
            break
        spans.append((start, _turn_end(end_text, len(end_text), markers)))
    encoded = tokenizer(full, add_special_tokens=False, return_offsets_mapping=True)
    tokens = list(encoded["input_ids"])
    masks = [IGNORE] * len(tokens)
    span_index = 0
    for position, (begin, _end) in enumerate(encoded["offset_mapping"]):
        while span_index < len(spans) and begin >= spans[span_index][1]:
            span_index += 1
        if span_index < len(spans) and spans[span_index][0] <= begin < spans[span_index][1]:
            masks[position] = tokens[position]
    return tokens, masks
