"""The agent loop: a model on an OpenAI-compatible endpoint calls tools until it answers.

RL environments and data generation run thousands of these concurrently in one process, so a run owns
no threads or pools: sync tool handlers share one bounded executor, async ones are awaited, and every
failure (API, tool, malformed model output) ends up recorded on the :class:`AgentResult` rather than
raised into the caller.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Literal

from hermes_core.agent.clients import as_chat_client
from hermes_core.agent.metrics import ToolCallMetrics, ToolError
from hermes_core.agent.normalize import check_schema, normalize_arguments
from hermes_core.agent.trajectory import split_reasoning
from hermes_core.agent.truncation import estimate_tokens, truncate_messages
from hermes_core.parsing import make_call_id
from hermes_core.tools import error_result, to_json_result, tool_executor

__all__ = ["AgentEvent", "AgentLoop", "AgentResult", "ToolError", "tool_executor"]

log = logging.getLogger("hermes.agent")

ToolHandler = Callable[[str, dict[str, Any], str | None], str | Awaitable[str]]
EventKind = Literal["assistant", "tool_call", "tool_result", "retry", "error"]

RESULT_EXCERPT_CHARS = 500
TRANSIENT_STATUS = frozenset({408, 409, 425, 429})
API_MESSAGE_KEYS = frozenset({"role", "content", "name", "tool_calls", "tool_call_id"})
"""Keys sent back to the server; ``reasoning_content`` stays in the trajectory only (DeepSeek and others
answer 400 when a request carries it)."""


@dataclass(slots=True)
class AgentEvent:
    """Something that happened during a run, for live display (``hermes run``) or logging."""

    kind: EventKind
    turn: int
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class AgentResult:
    """The outcome of one run; ``messages`` is the whole trajectory, never truncated."""

    messages: list[dict[str, Any]]
    final_response: str | None = None
    turns_used: int = 0
    finished_naturally: bool = False
    error: str | None = None
    metrics: ToolCallMetrics = field(default_factory=ToolCallMetrics)
    tool_errors: list[ToolError] = field(default_factory=list)
    reasoning_per_turn: list[str | None] = field(default_factory=list)
    usage: dict[str, int] = field(default_factory=dict)
    stop_reason: str = "max_turns"
    """``stop`` (answered), ``max_turns``, ``api_error``, ``empty_reply`` or ``internal_error``."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "final_response": self.final_response,
            "turns_used": self.turns_used,
            "finished_naturally": self.finished_naturally,
            "stop_reason": self.stop_reason,
            "error": self.error,
            "metrics": self.metrics.to_dict(),
            "tool_errors": [e.to_dict() for e in self.tool_errors],
            "reasoning_per_turn": self.reasoning_per_turn,
            "usage": self.usage,
        }


# -- helpers -----------------------------------------------------------------------------------------


def _get(obj: Any, key: str) -> Any:
    """Attribute or key: replies may be ``openai`` models (extra fields allowed) or plain dicts."""
    if obj is None:
        return None
    if isinstance(obj, dict):
        return obj.get(key)
    value = getattr(obj, key, None)
    if value is None:
        extra = getattr(obj, "model_extra", None)
        if extra:
            value = extra.get(key)
    return value


def _text(content: Any) -> str | None:
    if content is None or isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(_get(p, "text") or "" for p in content)
    return str(content)


def _status_of(exc: BaseException) -> int | None:
    status = getattr(exc, "status_code", None) or getattr(getattr(exc, "response", None), "status_code", None)
    return status if isinstance(status, int) else None


def is_transient(exc: BaseException) -> bool:
    """Rate limits, 5xx, timeouts and dropped connections are worth retrying; 400/401/404 are not."""
    status = _status_of(exc)
    if status is not None:
        return status in TRANSIENT_STATUS or status >= 500
    if isinstance(exc, TimeoutError | ConnectionError):
        return True
    name = type(exc).__name__
    return "Timeout" in name or "Connect" in name or "RemoteProtocol" in name


def describe_error(exc: BaseException) -> str:
    """One line for ``AgentResult.error``."""
    message = getattr(exc, "message", None) or str(exc) or repr(exc)
    status = _status_of(exc)
    prefix = f"{type(exc).__name__}" + (f" ({status})" if status and str(status) not in message else "")
    line = f"{prefix}: {message}".replace("\n", " ")
    return line if len(line) <= 500 else line[:497] + "..."


def _retry_after(exc: BaseException) -> float | None:
    headers = getattr(getattr(exc, "response", None), "headers", None)
    if not headers:
        return None
    try:
        return float(headers.get("retry-after"))
    except (TypeError, ValueError):
        return None


def _error_of(result: str) -> str | None:
    """The message of an ``{"error": ...}`` result, else ``None``; cheap for large non-error results."""
    if '"error"' not in result[:200] and not result.lstrip().startswith('{"error'):
        return None
    try:
        value = json.loads(result)
    except ValueError:
        return None
    if isinstance(value, dict) and value.get("error"):
        error = value["error"]
        return error if isinstance(error, str) else json.dumps(error, ensure_ascii=False)
    return None


def _is_async_callable(fn: Any) -> bool:
    return inspect.iscoroutinefunction(fn) or inspect.iscoroutinefunction(getattr(fn, "__call__", None))  # noqa: B004


# -- the loop ----------------------------------------------------------------------------------------


class AgentLoop:
    """Run a tool-calling conversation against ``client`` (``openai.AsyncOpenAI`` or compatible).

    One instance may run many conversations, sequentially or concurrently; it holds configuration only.
    ``retry_base_delay`` (seconds) is the first backoff step, doubled per retry with jitter, capped by
    ``retry_max_delay``; a ``Retry-After`` header is honoured within that cap. Give the ``openai``
    client ``max_retries=0`` so retries are not stacked on the SDK's own.
    """

    def __init__(
        self,
        client: Any,
        *,
        model: str,
        tools: list[dict[str, Any]] | None = None,
        valid_tool_names: set[str] | None = None,
        max_turns: int = 30,
        task_id: str | None = None,
        temperature: float | None = None,
        max_tokens: int | None = None,
        extra_body: dict[str, Any] | None = None,
        tool_handler: ToolHandler | None = None,
        max_context_tokens: int | None = None,
        tool_call_parser: str | None = None,
        tokenizer: Any = None,
        on_event: Callable[[AgentEvent], None] | None = None,
        tool_timeout: float | None = None,
        max_retries: int = 3,
        retry_base_delay: float = 0.5,
        retry_max_delay: float = 30.0,
        keep_last: int = 6,
        create_kwargs: dict[str, Any] | None = None,
    ) -> None:
        self.client = as_chat_client(client)
        self.model = model
        self.tools = tools or None
        self.schemas: dict[str, dict[str, Any]] = {}
        for tool in tools or ():
            function = tool.get("function", tool)
            if function.get("name"):
                self.schemas[function["name"]] = function.get("parameters") or {}
        if valid_tool_names is not None:
            self.valid_tool_names: set[str] | None = set(valid_tool_names)
        elif tools is not None:
            self.valid_tool_names = set(self.schemas)
        else:
            self.valid_tool_names = None  # no list given: let the tool registry decide
        self.max_turns = max_turns
        self.task_id = task_id
        self.temperature = temperature
        self.max_tokens = max_tokens
        self.extra_body = extra_body
        self.tool_handler = tool_handler
        self._handler_is_async = tool_handler is not None and _is_async_callable(tool_handler)
        self.max_context_tokens = max_context_tokens
        self.tokenizer = tokenizer
        self.on_event = on_event
        self.tool_timeout = tool_timeout
        self.max_retries = max(0, max_retries)
        self.retry_base_delay = retry_base_delay
        self.retry_max_delay = retry_max_delay
        self.keep_last = keep_last
        self.create_kwargs = dict(create_kwargs or {})
        self.parser = None
        if tool_call_parser:
            from hermes_core.plugins import get_hermes

            self.parser = get_hermes().parser(tool_call_parser, tools)  # unknown name: HermesError now
        self._registry = None

    # -- public -----------------------------------------------------------------------------------

    async def run(self, messages: list[dict[str, Any]]) -> AgentResult:
        """Run until the model answers without calling tools, ``max_turns`` is reached, or the API fails."""
        trajectory = [dict(m) for m in messages]
        result = AgentResult(messages=trajectory)
        try:
            await self._run(result)
        except Exception as exc:  # a bug here must not take down 511 sibling rollouts
            log.exception("agent loop failed")
            result.error = f"internal error: {describe_error(exc)}"
            result.stop_reason = "internal_error"
            result.finished_naturally = False
        return result

    # -- the turns --------------------------------------------------------------------------------

    async def _run(self, result: AgentResult) -> None:
        trajectory = result.messages
        api_messages = [self._for_api(m) for m in trajectory]
        counts = (
            [estimate_tokens(m, self.tokenizer) for m in api_messages] if self.max_context_tokens else None
        )

        def append(message: dict[str, Any], api_message: dict[str, Any] | None = None) -> None:
            api_message = api_message or message
            trajectory.append(message)
            api_messages.append(api_message)
            if counts is not None:
                counts.append(estimate_tokens(api_message, self.tokenizer))

        for turn in range(1, self.max_turns + 1):
            if counts is not None:
                request = truncate_messages(
                    api_messages,
                    self.max_context_tokens,
                    keep_last=self.keep_last,
                    tokenizer=self.tokenizer,
                    token_counts=counts,
                )
            else:
                request = api_messages
            reply = None
            for attempt in range(2):  # an empty reply is retried once
                response, error = await self._complete(request, turn, result)
                if error is not None:
                    result.error, result.stop_reason = error, "api_error"
                    self._emit("error", turn, error=error)
                    return
                reply = self._read_reply(response)
                if reply is not None:
                    break
                if attempt == 0:
                    self._emit("retry", turn, attempt=1, error="empty reply", delay=0.0)
            if reply is None:
                result.error, result.stop_reason = "the model returned an empty reply twice", "empty_reply"
                self._emit("error", turn, error=result.error)
                return
            content, visible, reasoning, tool_calls, reasoning_field = reply
            message: dict[str, Any] = {"role": "assistant", "content": content}
            if tool_calls:
                message["tool_calls"] = tool_calls
            api_message = dict(message)
            if reasoning_field:
                message["reasoning_content"] = reasoning_field
            append(message, api_message)
            result.turns_used = turn
            result.reasoning_per_turn.append(reasoning)
            self._emit("assistant", turn, content=content, reasoning=reasoning, tool_calls=tool_calls)
            if not tool_calls:
                result.final_response = visible
                result.finished_naturally = True
                result.stop_reason = "stop"
                return
            for call in tool_calls:
                append(await self._call_tool(call, turn, result))
        result.stop_reason = "max_turns"

    def _for_api(self, message: dict[str, Any]) -> dict[str, Any]:
        if message.keys() <= API_MESSAGE_KEYS:
            return message
        return {k: v for k, v in message.items() if k in API_MESSAGE_KEYS}

    async def _complete(self, messages: list[dict[str, Any]], turn: int, result: AgentResult):
        """``(response, None)`` or ``(None, error)`` after retrying transient failures."""
        kwargs: dict[str, Any] = {**self.create_kwargs, "model": self.model, "messages": messages}
        if self.tools:
            kwargs["tools"] = self.tools
        if self.temperature is not None:
            kwargs["temperature"] = self.temperature
        if self.max_tokens is not None:
            kwargs["max_tokens"] = self.max_tokens
        if self.extra_body:
            kwargs["extra_body"] = self.extra_body
        create = self.client.chat.completions.create
        for attempt in range(self.max_retries + 1):
            try:
                response = create(**kwargs)
                if inspect.isawaitable(response):
                    response = await response
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                error = describe_error(exc)
                if attempt >= self.max_retries or not is_transient(exc):
                    return None, error
                delay = min(self.retry_max_delay, self.retry_base_delay * 2**attempt)
                delay *= 0.5 + random.random() / 2
                after = _retry_after(exc)
                if after is not None:
                    delay = min(self.retry_max_delay, max(delay, after))
                self._emit("retry", turn, attempt=attempt + 1, error=error, delay=delay)
                await asyncio.sleep(delay)
                continue
            usage = _get(response, "usage")
            if usage is not None:
                for key in ("prompt_tokens", "completion_tokens", "total_tokens"):
                    value = _get(usage, key)
                    if isinstance(value, int):
                        result.usage[key] = result.usage.get(key, 0) + value
            return response, None
        return None, "unreachable"  # pragma: no cover

    def _read_reply(self, response: Any):
        """``(content, visible, reasoning, tool_calls, reasoning_field)`` or ``None`` for an empty reply."""
        choices = _get(response, "choices")
        if not choices:
            return None
        message = _get(choices[0], "message")
        content = _text(_get(message, "content"))
        reasoning_field = _get(message, "reasoning_content") or _get(message, "reasoning")
        if not isinstance(reasoning_field, str):
            reasoning_field = None
        reasoning = reasoning_field
        visible = content
        if content and "think>" in content:
            think, visible = split_reasoning(content)
            reasoning = reasoning or think
        raw_calls = _get(message, "tool_calls") or []
        calls: list[dict[str, Any]] = []
        for raw in raw_calls:
            function = _get(raw, "function")
            if function is None:
                continue
            arguments = _get(function, "arguments")
            calls.append(
                {
                    "id": _get(raw, "id") or make_call_id(),
                    "type": "function",
                    "function": {"name": _get(function, "name") or "", "arguments": arguments},
                }
            )
        if not calls and self.parser is not None and visible:
            parsed = self.parser.parse(visible)
            if parsed.tool_calls:
                calls = [c.model_dump() for c in parsed.tool_calls]
                content = parsed.content
                visible = content
                if reasoning and not reasoning_field:
                    reasoning_field = reasoning  # the <think> text now lives in the reasoning field
        if not calls and not (visible or "").strip():
            return None
        return content, visible, reasoning, calls, reasoning_field

    # -- tools ------------------------------------------------------------------------------------

    async def _call_tool(self, call: dict[str, Any], turn: int, result: AgentResult) -> dict[str, Any]:
        function = call["function"]
        name = function["name"]
        raw = function["arguments"]
        args, schema_valid = normalize_arguments(name, raw)
        if not schema_valid or not isinstance(raw, str):  # send back what was run, as a JSON string
            function["arguments"] = json.dumps(args, ensure_ascii=False)
        self._emit("tool_call", turn, id=call["id"], name=name, arguments=args)
        unknown = self.valid_tool_names is not None and name not in self.valid_tool_names
        timed_out = False
        started = time.perf_counter()
        if unknown:
            valid = ", ".join(sorted(self.valid_tool_names or ())) or "none"
            content = error_result(f"unknown tool {name!r}; valid tools: {valid}")
            schema_valid = False
        else:
            schema_valid = schema_valid and check_schema(args, self.schemas.get(name))
            content, timed_out = await self._dispatch(name, args)
        seconds = time.perf_counter() - started
        error = _error_of(content)
        result.metrics.record(
            name,
            schema_valid=schema_valid,
            ok=error is None,
            unknown=unknown,
            timed_out=timed_out,
            seconds=seconds,
        )
        if error is not None:
            result.tool_errors.append(
                ToolError(
                    turn=turn,
                    tool=name,
                    arguments=args,
                    error=error,
                    result_excerpt=content[:RESULT_EXCERPT_CHARS],
                )
            )
        self._emit(
            "tool_result", turn, id=call["id"], name=name, result=content, error=error, seconds=seconds
        )
        return {"role": "tool", "tool_call_id": call["id"], "content": content}

    async def _dispatch(self, name: str, args: dict[str, Any]) -> tuple[str, bool]:
        """``(json_result, timed_out)``; never raises (except cancellation)."""
        timeout = self.tool_timeout
        try:
            if self.tool_handler is None:
                if self._registry is None:
                    from hermes_core.plugins import get_hermes

                    self._registry = get_hermes().tools
                pending = self._registry.ahandle_function_call(name, args, self.task_id)
            elif self._handler_is_async:
                pending = self.tool_handler(name, args, self.task_id)
            else:
                loop = asyncio.get_running_loop()
                job = partial(self.tool_handler, name, args, self.task_id)
                pending = loop.run_in_executor(tool_executor(), job)
            value = await (asyncio.wait_for(pending, timeout) if timeout else pending)
            if inspect.isawaitable(value):  # a sync-looking handler that returned a coroutine
                value = await (asyncio.wait_for(value, timeout) if timeout else value)
            return to_json_result(value), False
        except asyncio.CancelledError:
            raise
        except TimeoutError as exc:
            if timeout:  # our deadline; a handler's own TimeoutError is an ordinary failure
                return error_result(f"{name} timed out after {timeout:g}s"), True
            return error_result(f"{name} failed: TimeoutError: {exc}"), False
        except Exception as exc:
            return error_result(f"{name} failed: {type(exc).__name__}: {exc}"), False

    def _emit(self, kind: EventKind, turn: int, **data: Any) -> None:
        if self.on_event is None:
            return
        try:
            self.on_event(AgentEvent(kind, turn, data))
        except Exception:  # a display bug must not end a rollout
            log.exception("on_event callback failed")
