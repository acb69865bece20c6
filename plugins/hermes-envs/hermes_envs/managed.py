"""Phase 2: exact tokens and logprobs from atroposlib's ``ManagedServer``, tool calls parsed by hermes.

atroposlib's own tool path in ``ManagedServer.chat_completion`` needs vLLM installed (its parsers). This
client does the chat part itself instead: it renders the conversation with the tokenizer's chat template
(tools included), asks ``ManagedServer.completion`` for a raw completion (which tracks token ids, masks
and logprobs), and parses tool calls out of the raw text with a **hermes parser plugin**. The agent loop
sees an ordinary OpenAI ``ChatCompletion``.

Two details keep the tracked token sequence exact across turns:

- Earlier assistant turns are re-rendered from the raw text the model produced (not from the parsed
  tool calls, whose JSON the template would re-serialise differently), so each new prompt extends the
  previous one and ``ManagedServer`` continues the same sequence instead of starting a new one.
- Tool-call markers such as ``<tool_call>`` are special tokens in many tokenizers and would vanish when
  ``ManagedServer`` decodes with ``skip_special_tokens=True``; the tokenizer handed to it keeps them.
- ``ManagedServer.completion`` (atroposlib 0.4) masks the whole prompt of each call, earlier completions
  included, so its final node would train on the last turn only. Each completion's span (token ids and
  logprobs) is recorded as it arrives, and :meth:`ManagedChatClient.trajectory` unmasks every span that
  the final sequence still contains.
"""

from __future__ import annotations

import time
import uuid
from types import SimpleNamespace
from typing import Any

from hermes_core.parsing import ToolCallParser
from hermes_envs.tokens import IGNORE, render


class KeepSpecialTokens:
    """A tokenizer proxy whose ``decode`` keeps special tokens (tool-call markers among them)."""

    def __init__(self, tokenizer: Any) -> None:
        self._tokenizer = tokenizer

    def decode(self, ids: Any, skip_special_tokens: bool = False, **kwargs: Any) -> str:
        return self._tokenizer.decode(ids, skip_special_tokens=False, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._tokenizer, name)


_THINK_OPEN, _THINK_CLOSE = "__HERMES_THINK__", "__HERMES_END_THINK__"


class TokensUnavailable(RuntimeError):
    """The server behind ``ManagedServer`` cannot return token ids / logprobs."""


def not_implemented_cause(exc: BaseException) -> NotImplementedError | None:
    """The ``NotImplementedError`` behind ``exc``, also through tenacity's ``RetryError`` (atroposlib
    retries every server call three times and then raises that wrapper)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, NotImplementedError):
            return current
        last_attempt = getattr(current, "last_attempt", None)
        inner = last_attempt.exception() if last_attempt is not None else None
        current = inner or current.__cause__ or current.__context__
    return None


class ManagedChatClient:
    """``client.chat.completions.create(...)`` over a ``ManagedServer``, with a hermes parser."""

    def __init__(
        self,
        managed: Any,
        tokenizer: Any,
        parser: ToolCallParser,
        *,
        model: str,
        split: str = "train",
    ) -> None:
        self.managed = managed
        self.tokenizer = tokenizer
        self.parser = parser
        self.model = model
        self.split = split
        self.end_markers = tuple(
            m for m in {getattr(tokenizer, "eos_token", None), "<|im_end|>", "<|eot_id|>", "<|eom_id|>"} if m
        )
        self._raw_by_call_id: dict[str, str] = {}
        self._raw_by_content: dict[str, str] = {}
        self._spans: list[tuple[int, list[int], list[float]]] = []
        self.unsupported: BaseException | None = None
        self.chat = SimpleNamespace(completions=SimpleNamespace(create=self.create))

    def _strip_end(self, text: str) -> str:
        stripped = text.rstrip()
        for marker in self.end_markers:
            if stripped.endswith(marker):
                return stripped[: -len(marker)]
        return text

    def render(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None) -> str:
        """The prompt for ``messages``: earlier turns as generated, ``<think>`` blocks kept in place
        (templates such as Qwen3's drop old reasoning, which would break the sequence; ManagedServer's
        own chat path protects them the same way)."""
        shielded = []
        for message in messages:
            message = self._as_raw(message)
            content = message.get("content")
            if message.get("role") == "assistant" and isinstance(content, str) and "<think>" in content:
                content = content.replace("<think>", _THINK_OPEN).replace("</think>", _THINK_CLOSE)
                message = {**message, "content": content}
            shielded.append(message)
        prompt = render(self.tokenizer, shielded, tools, add_generation_prompt=True)
        return prompt.replace(_THINK_OPEN, "<think>").replace(_THINK_CLOSE, "</think>")

    def _as_raw(self, message: dict[str, Any]) -> dict[str, Any]:
        """An earlier assistant turn as the exact text the model generated, when we produced it."""
        if message.get("role") != "assistant":
            return message
        for call in message.get("tool_calls") or ():
            raw = self._raw_by_call_id.get(call.get("id", ""))
            if raw is not None:
                return {"role": "assistant", "content": raw}
        raw = self._raw_by_content.get(message.get("content") or "")
        if raw is not None and not message.get("tool_calls"):
            return {"role": "assistant", "content": raw}
        return message

    async def create(
        self,
        *,
        messages: list[dict[str, Any]],
        tools: list[dict[str, Any]] | None = None,
        model: str | None = None,
        temperature: float | None = None,
        max_tokens: int | None = None,
        max_completion_tokens: int | None = None,
        extra_body: dict[str, Any] | None = None,
        **_: Any,
    ) -> Any:
        from openai.types.chat import ChatCompletion

        prompt = self.render(messages, tools)
        kwargs: dict[str, Any] = {"prompt": prompt, "n": 1, "split": self.split}
        if temperature is not None:
            kwargs["temperature"] = temperature
        if max_tokens or max_completion_tokens:
            kwargs["max_tokens"] = max_tokens or max_completion_tokens
        kwargs.update(extra_body or {})
        try:
            completion = await self.managed.completion(**kwargs)
        except Exception as exc:
            cause = not_implemented_cause(exc)
            if cause is not None:
                self.unsupported = cause
                raise TokensUnavailable(str(cause)) from exc
            raise
        choice = completion.choices[0]
        raw = self._strip_end(choice.text or "")
        parsed = self.parser.parse(raw)
        calls = [call.model_dump() for call in parsed.tool_calls]
        for call in calls:
            self._raw_by_call_id[call["id"]] = raw
        if not calls:
            self._raw_by_content[parsed.content or ""] = raw
        finish = parsed.finish_reason(choice.finish_reason)
        node = self.last_node()
        if node is not None:
            generated_count = sum(1 for m in node.masked_tokens if m != IGNORE)
            start = len(node.tokens) - generated_count
            self._spans.append((start, list(node.tokens[start:]), list(node.logprobs[start:])))
        total = len(node.tokens) if node is not None else 0
        generated = len(self.tokenizer.encode(choice.text or "", add_special_tokens=False))
        return ChatCompletion.model_validate(
            {
                "id": f"chatcmpl-{uuid.uuid4().hex}",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": model or self.model,
                "choices": [
                    {
                        "index": 0,
                        "finish_reason": finish,
                        "message": parsed.as_assistant_message(),
                    }
                ],
                "usage": {
                    "prompt_tokens": max(total - generated, 0),
                    "completion_tokens": generated,
                    "total_tokens": total,
                },
            }
        )

    def last_node(self) -> Any:
        """The tracked sequence of the latest completion (tokens, masked_tokens, logprobs)."""
        nodes = self.managed.get_state().get("nodes") or []
        return nodes[-1] if nodes else None

    def trajectory(self) -> tuple[list[int], list[int], list[float]] | None:
        """``(tokens, masks, logprobs)`` of the final sequence, every generated span trainable.

        Positions that the model did not generate have mask -100 and logprob 1.0 (ManagedServer's
        convention). A span that the final sequence no longer contains (the conversation was truncated
        and restarted) is left out rather than misplaced.
        """
        node = self.last_node()
        if node is None:
            return None
        tokens = list(node.tokens)
        masks = [IGNORE] * len(tokens)
        logprobs = [1.0] * len(tokens)
        for start, ids, lps in self._spans:
            if tokens[start : start + len(ids)] == ids:
                masks[start : start + len(ids)] = ids
                logprobs[start : start + len(ids)] = lps
        return tokens, masks, logprobs
