"""Completions mode: exact token ids, masks and logprobs for every exchange, as phase 2 records them.

The server renders the chat template itself and calls the upstream's ``/completions`` with the prompt as
token ids and ``logprobs``, so what it records is what the model saw and sampled. The phase-2 client of
:mod:`hermes_envs.managed` does the chat part unchanged (template with tools, earlier turns re-rendered
from the raw text the model wrote, end-marker stripping, parsing, unmasking every generated span); this
module gives it what atroposlib's ``ManagedServer`` would: ``completion()`` and the tracked sequence.

Each session keeps one sequence: a prompt that extends the previous prompt + completion reuses its ids
and tokenizes only the new text, so a multi-turn rollout is one sequence without re-tokenisation drift.
The store is bounded: at most ``max_sessions`` holding ``max_session_tokens`` in all (the least
recently used go first), and a session unused for ``session_idle_s`` is forgotten (a sweep runs a few
times per idle period, not only on new requests).
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from starlette.responses import Response

from hermes_serve.errors import ProxyError
from hermes_serve.sse import EventStreamResponse

IGNORE = -100
RELEASE_AFTER_BYTES = 1024 * 1024
"""After a request this large, freed memory goes back to the system: tokenizing a 2 MB prompt takes
~500 MB that glibc would keep, so ten such sessions held 1.6 GB for good (measured, issue 22)."""
# sampling fields forwarded from the chat request to /completions as they are
SAMPLING = ("top_p", "top_k", "min_p", "seed", "stop", "presence_penalty", "frequency_penalty", "n")


@dataclass
class Node:
    """One tracked sequence, in ``ManagedServer``'s shape: prompt ids masked, generated ids kept."""

    text: str
    tokens: list[int]
    masked_tokens: list[int]
    logprobs: list[float]
    exact: bool = True


class CompletionsUpstream:
    """``ManagedServer``'s two calls over an OpenAI-compatible ``/completions`` endpoint, per session."""

    def __init__(self, proxy: Any, tokenizer: Any, model: str | None) -> None:
        self.proxy = proxy
        self.tokenizer = tokenizer
        self.model = model
        self.nodes: list[Node] = []
        self.last_prompt_ids: list[int] = []
        self.last_text = ""

    def get_state(self) -> dict[str, Any]:
        return {"nodes": self.nodes}

    def prompt_ids(self, prompt: str) -> list[int]:
        last = self.nodes[-1] if self.nodes else None
        if last is not None and prompt.startswith(last.text):
            rest = prompt[len(last.text) :]
            return last.tokens + (self.tokenizer.encode(rest, add_special_tokens=False) if rest else [])
        return self.tokenizer.encode(prompt, add_special_tokens=False)

    async def completion(self, *, prompt: str, n: int = 1, split: str | None = None, **sampling: Any):
        ids = self.prompt_ids(prompt)
        request = {
            "model": self.model,
            "prompt": ids,
            "logprobs": 1,
            "echo": False,
            # vLLM: ids of the sampled tokens, with the special tokens (tool-call markers) in the text
            "return_token_ids": True,
            "return_tokens_as_token_ids": True,
            "skip_special_tokens": False,
            **{k: v for k, v in sampling.items() if v is not None},
        }
        data = await self.proxy.upstream.post_json("completions", json.dumps(request).encode())
        choices = data.get("choices") or []
        if not choices:
            raise ProxyError(502, "the upstream's completion has no choices", code="upstream_malformed")
        choice = choices[0]
        generated, logprobs, exact = completion_tokens(choice, self.tokenizer)
        text = (
            self.tokenizer.decode(generated, skip_special_tokens=False) if exact else choice.get("text") or ""
        )
        self.last_prompt_ids, self.last_text = ids, text
        self.nodes = [
            Node(
                text=prompt + text,
                tokens=ids + generated,
                masked_tokens=[IGNORE] * len(ids) + generated,
                logprobs=[1.0] * len(ids) + logprobs,
                exact=exact,
            )
        ]
        return SimpleNamespace(
            choices=[SimpleNamespace(text=text, finish_reason=choice.get("finish_reason"))]
        )


def completion_tokens(choice: dict[str, Any], tokenizer: Any) -> tuple[list[int], list[float], bool]:
    """``(ids, logprobs, exact)`` of a completion choice: vLLM's ``token_ids`` or ``token_id:N`` logprob
    tokens when given (exact), else the text re-encoded (``exact`` False; logprobs 0.0 where unknown)."""
    logprobs = choice.get("logprobs") or {}
    values = [float(v) if v is not None else 0.0 for v in logprobs.get("token_logprobs") or ()]
    ids = choice.get("token_ids")
    if not ids:
        tokens = logprobs.get("tokens") or ()
        if tokens and all(isinstance(t, str) and t.startswith("token_id:") for t in tokens):
            ids = [int(t.split(":", 1)[1]) for t in tokens]
    if ids:
        ids = [int(i) for i in ids]
        return ids, (values if len(values) == len(ids) else [0.0] * len(ids)), True
    ids = tokenizer.encode(choice.get("text") or "", add_special_tokens=False)
    return ids, (values if len(values) == len(ids) else [0.0] * len(ids)), False


def release_freed_memory() -> None:
    """``malloc_trim(0)``: return the heap's free pages to the system (glibc only; elsewhere nothing)."""
    import ctypes
    import gc

    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def preflight(tokenizer_path: str) -> None:
    """Fail at start, in one line, when completions mode cannot work here."""
    from hermes_core.registry import HermesError

    try:
        import jinja2  # noqa: F401  (the chat template; transformers imports it only when rendering)
        from transformers import AutoTokenizer

        import hermes_envs.managed  # noqa: F401
    except ImportError as exc:
        raise HermesError(
            f"--upstream-mode completions needs pip install 'hermes-serve[tokens]' ({exc})"
        ) from None
    try:
        AutoTokenizer.from_pretrained(tokenizer_path)
    except Exception as exc:
        raise HermesError(f"--tokenizer {tokenizer_path}: cannot load a tokenizer: {exc}") from None


class TokensMode:
    """Chat requests answered through ``/completions``; one phase-2 client per session."""

    def __init__(self, proxy: Any) -> None:
        from transformers import AutoTokenizer

        self.proxy = proxy
        self.tokenizer = AutoTokenizer.from_pretrained(proxy.config.tokenizer)
        self.sessions: OrderedDict[str, tuple[Any, asyncio.Lock]] = OrderedDict()
        self.last_used: dict[str, float] = {}
        self.sizes: dict[str, int] = {}  # tokens each session's sequence holds
        self._sweeper: asyncio.Task | None = None

    def start(self) -> None:
        self._sweeper = asyncio.get_running_loop().create_task(self._sweep_forever())

    async def stop(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()

    async def _sweep_forever(self) -> None:
        while True:
            await asyncio.sleep(max(0.05, self.proxy.config.session_idle_s / 4))
            self.sweep()

    def sweep(self) -> None:
        """Forget the sessions idle too long (oldest first: the store is in order of use), and give the
        memory back to the system (glibc keeps freed heap otherwise: the process would stay as large)."""
        limit = time.monotonic() - self.proxy.config.session_idle_s
        forgot = False
        while self.sessions:
            name = next(iter(self.sessions))
            if self.last_used[name] > limit or self.sessions[name][1].locked():
                break
            self._forget(name)
            forgot = True
        if forgot:
            release_freed_memory()

    def _forget(self, name: str) -> None:
        self.sessions.pop(name, None)
        self.last_used.pop(name, None)
        self.sizes.pop(name, None)

    def _trim(self, keep: str) -> None:
        """Past ``max_sessions`` or ``max_session_tokens``: the least recently used go (never ``keep``)."""
        config = self.proxy.config
        while len(self.sessions) > config.max_sessions or (
            len(self.sessions) > 1 and sum(self.sizes.values()) > config.max_session_tokens
        ):
            oldest = next(name for name in self.sessions if name != keep)
            if self.sessions[oldest][1].locked():
                break
            self._forget(oldest)

    def session(self, name: str, model: str | None) -> tuple[Any, asyncio.Lock]:
        from hermes_envs.managed import ManagedChatClient

        self.sweep()
        entry = self.sessions.get(name)
        if entry is None:
            upstream = CompletionsUpstream(self.proxy, self.tokenizer, model)
            client = ManagedChatClient(upstream, self.tokenizer, self.proxy.parser, model=model or "")
            entry = self.sessions[name] = (client, asyncio.Lock())
        self.sessions.move_to_end(name)
        self.last_used[name] = time.monotonic()
        self._trim(name)
        return entry

    async def handle(self, body: dict[str, Any], session: str, size: int = 0) -> Response:
        """``size``: the request body's bytes; tokenizing costs ~100-250 bytes of memory per character,
        so completions mode takes smaller requests than chat mode (``max_prompt_bytes``, 413 past it)."""
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            raise ProxyError(400, "messages must be a non-empty list", "invalid_request_error")
        limit = self.proxy.config.max_prompt_bytes
        if size > limit:
            message = f"completions mode takes requests up to {limit} bytes (the tokenizer's memory)"
            raise ProxyError(413, message, "invalid_request_error", "request_too_large")
        tools = body.get("tools") or None
        client, lock = self.session(session, body.get("model"))
        async with lock:
            try:
                answer = await self._answer(client, body, session, tools)
            except RecursionError:  # the template and the tokenizer recurse into what the client nests
                message = "the request is nested too deeply for the chat template"
                raise ProxyError(400, message, "invalid_request_error") from None
        if size > RELEASE_AFTER_BYTES:  # the tokenizer's working memory, kept by malloc otherwise
            release_freed_memory()
        message = answer["choices"][0]["message"]
        message.setdefault("content", None)
        if body.get("stream"):
            return EventStreamResponse(_as_chunks(answer), write_timeout=self.proxy.config.client_timeout)
        return Response(json.dumps(answer, ensure_ascii=False), media_type="application/json")

    async def _answer(
        self, client: Any, body: dict[str, Any], session: str, tools: list[dict[str, Any]] | None
    ) -> dict[str, Any]:
        """One request through the session's phase-2 client, recorded; the OpenAI answer."""
        messages = body["messages"]
        client.parser = self.proxy.parser.with_tools(tools)
        extra = {k: body[k] for k in SAMPLING if k in body and k != "n"}
        completion = await client.create(
            messages=messages,
            tools=tools,
            model=body.get("model"),
            temperature=body.get("temperature"),
            max_tokens=body.get("max_tokens")
            or (None if body.get("max_completion_tokens") else self.proxy.config.default_max_tokens),
            max_completion_tokens=body.get("max_completion_tokens"),
            extra_body=extra,
        )
        answer = completion.model_dump(exclude_none=True)
        upstream: CompletionsUpstream = client.managed
        node = upstream.nodes[-1]
        self.sizes[session] = len(node.tokens)
        self._trim(session)
        if self.proxy.recorder is not None:
            traced = client.trajectory()
            tokens, masks, logprobs = traced if traced is not None else ([], [], [])
            choice = answer["choices"][0]
            message = choice["message"]
            raw = client._strip_end(upstream.last_text)  # phase 2's own end-marker rule
            await self.proxy.recorder.record(
                session,
                {
                    "model": body.get("model"),
                    "messages": messages,
                    "tools": tools or [],
                    "raw": raw,
                    "parsed": {
                        "content": message.get("content"),
                        "tool_calls": message.get("tool_calls", []),
                    },
                    "finish_reason": choice.get("finish_reason"),
                    "stream": bool(body.get("stream")),
                    "prompt_tokens": upstream.last_prompt_ids,
                    "tokens": tokens,
                    "masks": masks,
                    "logprobs": logprobs,
                    "exact_tokens": node.exact,
                },
            )
        return answer


async def _as_chunks(answer: dict[str, Any]):
    """A finished answer as OpenAI chunks: role, content, each call (header, then arguments), finish."""
    base = {
        "id": answer.get("id") or f"chatcmpl-{uuid.uuid4().hex}",
        "object": "chat.completion.chunk",
        "created": answer.get("created") or int(time.time()),
        "model": answer.get("model"),
    }
    choice = answer["choices"][0]
    message = choice["message"]
    deltas: list[dict[str, Any]] = [{"role": "assistant", "content": message.get("content") or ""}]
    for index, call in enumerate(message.get("tool_calls") or ()):
        function = call["function"]
        deltas.append(
            {
                "tool_calls": [
                    {
                        "index": index,
                        "id": call["id"],
                        "type": "function",
                        "function": {"name": function["name"], "arguments": ""},
                    }
                ]
            }
        )
        deltas.append({"tool_calls": [{"index": index, "function": {"arguments": function["arguments"]}}]})
    for delta in deltas:
        chunk = {**base, "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": None}]}
        yield b"data: " + json.dumps(chunk, ensure_ascii=False).encode() + b"\n\n"
    last = {
        **base,
        "choices": [{"index": 0, "delta": {}, "logprobs": None, "finish_reason": choice["finish_reason"]}],
    }
    yield b"data: " + json.dumps(last).encode() + b"\n\n"
    yield b"data: [DONE]\n\n"
