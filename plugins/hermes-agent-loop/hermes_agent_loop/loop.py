"""The agent loop: a model on an OpenAI-compatible endpoint calls tools until it answers.

RL environments and data generation run thousands of these concurrently in one process, so a run owns
no threads or pools: sync tool handlers share one bounded executor, async ones are awaited, and every
failure (API, tool, malformed model output) ends up recorded on the :class:`AgentResult` rather than
raised into the caller.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from hermes_agent_loop.api_errors import describe_error, is_transient, retry_after
from hermes_agent_loop.budget import ResultBudget
from hermes_agent_loop.clients import as_chat_client
from hermes_agent_loop.hooks import RunHooks, RunInfo
from hermes_agent_loop.metrics import ToolCallMetrics, ToolError
from hermes_agent_loop.reasoning import AUTO, round_trip_fields, split_reply
from hermes_agent_loop.reasoning import reasoning_parser as load_reasoning_parser
from hermes_agent_loop.replies import extra_field, get_field, plain, text_of, tool_calls_of
from hermes_agent_loop.tool_calls import DEFAULT_MAX_PARALLEL, ToolHandler, ToolRunner
from hermes_agent_loop.truncation import estimate_tokens, truncate_messages
from hermes_core.tools import tool_executor, tool_functions

__all__ = [
    "AgentEvent",
    "AgentLoop",
    "AgentResult",
    "ToolError",
    "describe_error",
    "is_transient",
    "tool_executor",
]

log = logging.getLogger("hermes.agent")

EventKind = Literal["assistant", "tool_call", "tool_result", "retry", "error"]

API_MESSAGE_KEYS = frozenset({"role", "content", "name", "tool_calls", "tool_call_id"})
"""Keys every server accepts; reasoning fields go back only where the endpoint wants them
(:mod:`hermes_agent_loop.reasoning`); the trajectory keeps them all."""
PARSE_OFF_LOOP_CHARS = 32_768
"""A completion larger than this is parsed for tool calls in a thread: one pathological 400 KB reply must
not stall the other runs sharing the event loop."""


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
    """``stop`` (answered), ``max_turns``, ``api_error``, ``empty_reply``, ``internal_error``, or
    ``cancelled`` (seen only by ``on_run_end`` hooks: the caller gets ``CancelledError``)."""

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


# -- the loop ----------------------------------------------------------------------------------------


class AgentLoop:
    """Run a tool-calling conversation against ``client`` (``openai.AsyncOpenAI`` or compatible).

    One instance may run many conversations, sequentially or concurrently; it holds configuration only.
    ``retry_base_delay`` (seconds) is the first backoff step, doubled per retry with jitter, capped by
    ``retry_max_delay``; a ``Retry-After`` header is honoured within that cap. Give the ``openai``
    client ``max_retries=0`` so retries are not stacked on the SDK's own.

    The calls of one assistant turn run concurrently (at most ``max_parallel_tools``; tools named in
    ``sequential_tools`` or registered with ``sequential=True`` run alone). ``reasoning_round_trip``
    says which reasoning fields go back to the server (``"auto"``: by provider, see
    :mod:`hermes_agent_loop.reasoning`); ``reasoning_parser`` (a vLLM ``--reasoning-parser`` name) splits
    a raw reply's reasoning into ``reasoning_content`` before the tool-call parser reads the answer.
    ``tool_result_budget`` (default: scaled to ``max_context_tokens``; ``False`` for none) bounds what tool
    results put in the conversation.
    ``hooks`` are the lifecycle hook implementations (default: the process-wide host's plugins).
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
        max_parallel_tools: int = DEFAULT_MAX_PARALLEL,
        sequential_tools: set[str] | frozenset[str] = frozenset(),
        reasoning_round_trip: str | tuple[str, ...] | None = AUTO,
        reasoning_parser: str | None = None,
        tool_result_budget: ResultBudget | bool | None = None,
        hooks: RunHooks | None = None,
    ) -> None:
        self.client = as_chat_client(client)
        self.model = model
        self.tools = tools or None
        self.schemas = {f["name"]: f.get("parameters") or {} for f in tool_functions(tools) if f.get("name")}
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
        base_url = getattr(self.client, "base_url", None)
        self.api_keys = tuple(k for k in (getattr(self.client, "api_key", None),) if isinstance(k, str))
        self.round_trip = round_trip_fields(reasoning_round_trip, str(base_url) if base_url else None)
        self.reasoning_parser = load_reasoning_parser(reasoning_parser)  # unknown name: HermesError now
        self.api_keys_sent = API_MESSAGE_KEYS | self.round_trip
        if tool_result_budget is None or tool_result_budget is True:
            budget: ResultBudget | None = ResultBudget.for_context(max_context_tokens)
        else:
            budget = tool_result_budget or None
        self.hooks = hooks if hooks is not None else RunHooks.of_current_host()
        self.tool_runner = ToolRunner(
            tool_handler=tool_handler,
            tool_timeout=tool_timeout,
            valid_tool_names=self.valid_tool_names,
            schemas=self.schemas,
            hooks=self.hooks,
            budget=budget,
            task_id=task_id,
            max_parallel=max_parallel_tools,
            sequential_tools=sequential_tools,
        )

    # -- public -----------------------------------------------------------------------------------

    async def run(self, messages: list[dict[str, Any]]) -> AgentResult:
        """Run until the model answers without calling tools, ``max_turns`` is reached, or the API fails."""
        trajectory = [dict(m) for m in messages]
        result = AgentResult(messages=trajectory)
        info = RunInfo(self.task_id, self.model, trajectory) if self.hooks else None
        try:
            if self.hooks.on_run_start:
                await self.hooks.call("on_run_start", run=info)
            await self._run(result, info)
        except asyncio.CancelledError:  # a rollout timed out by its caller: plugins still see it end
            result.error, result.stop_reason = "cancelled", "cancelled"
            if self.hooks.on_run_end:
                await self.hooks.call("on_run_end", run=info, result=result)
            raise
        except Exception as exc:  # a bug here must not take down 511 sibling rollouts
            log.exception("agent loop failed")
            result.error = f"internal error: {describe_error(exc, self.api_keys)}"
            result.stop_reason = "internal_error"
            result.finished_naturally = False
        if self.hooks.on_run_end:
            try:
                await self.hooks.call("on_run_end", run=info, result=result)
            except Exception as exc:  # HERMES_STRICT_PLUGINS: the hook's error, on the result
                result.error = result.error or f"internal error: {describe_error(exc, self.api_keys)}"
        return result

    # -- the turns --------------------------------------------------------------------------------

    async def _run(self, result: AgentResult, info: RunInfo | None) -> None:
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
            if info is not None:
                info.turn = turn
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
                response, error = await self._complete(request, turn, result, info)
                if error is not None:
                    result.error, result.stop_reason = error, "api_error"
                    self._emit("error", turn, error=error)
                    return
                reply = await self._read_reply(response)
                if reply is not None:
                    break
                if attempt == 0:
                    self._emit("retry", turn, attempt=1, error="empty reply", delay=0.0)
            if reply is None:
                result.error, result.stop_reason = "the model returned an empty reply twice", "empty_reply"
                self._emit("error", turn, error=result.error)
                return
            content, visible, reasoning, tool_calls, reasoning_field, extra = reply
            message: dict[str, Any] = {"role": "assistant", "content": content}
            if tool_calls:
                message["tool_calls"] = tool_calls
            if reasoning_field:
                message["reasoning_content"] = reasoning_field
            message.update(extra)
            append(message, self._for_api(message))
            result.turns_used = turn
            result.reasoning_per_turn.append(reasoning)
            self._emit("assistant", turn, content=content, reasoning=reasoning, tool_calls=tool_calls)
            if not tool_calls:
                result.final_response = visible
                result.finished_naturally = True
                result.stop_reason = "stop"
                return
            for tool_message in await self.tool_runner.run_turn(tool_calls, turn, result, info, self._emit):
                append(tool_message)
        result.stop_reason = "max_turns"

    def _for_api(self, message: dict[str, Any]) -> dict[str, Any]:
        keys = self.api_keys_sent
        if message.keys() <= keys:
            return message
        return {k: v for k, v in message.items() if k in keys}

    async def _complete(
        self, messages: list[dict[str, Any]], turn: int, result: AgentResult, info: RunInfo | None
    ):
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
        hooks = self.hooks
        if hooks.pre_llm_call:
            kwargs["messages"] = list(messages)  # a hook may edit what is sent, never the trajectory
            for change in await hooks.call("pre_llm_call", run=info, request=kwargs):
                if isinstance(change, dict):
                    kwargs.update(change)
        response, error = await self._create(kwargs, turn)
        if error is None:
            usage = get_field(response, "usage")
            if usage is not None:
                for key in ("prompt_tokens", "completion_tokens", "total_tokens"):
                    value = get_field(usage, key)
                    if isinstance(value, int):
                        result.usage[key] = result.usage.get(key, 0) + value
        if hooks.post_llm_call:
            await hooks.call("post_llm_call", run=info, request=kwargs, response=response, error=error)
        return response, error

    async def _create(self, kwargs: dict[str, Any], turn: int):
        create = self.client.chat.completions.create
        for attempt in range(self.max_retries + 1):
            try:
                response = create(**kwargs)
                if inspect.isawaitable(response):
                    response = await response
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                error = describe_error(exc, self.api_keys)
                if attempt >= self.max_retries or not is_transient(exc):
                    return None, error
                delay = min(self.retry_max_delay, self.retry_base_delay * 2**attempt)
                delay *= 0.5 + random.random() / 2
                after = retry_after(exc)
                if after is not None:
                    delay = min(self.retry_max_delay, max(delay, after))
                self._emit("retry", turn, attempt=attempt + 1, error=error, delay=delay)
                await asyncio.sleep(delay)
                continue
            return response, None
        return None, "unreachable"  # pragma: no cover

    async def _read_reply(self, response: Any):
        """``(content, visible, reasoning, tool_calls, reasoning_field, extra_fields)`` or ``None`` for
        an empty reply; ``extra_fields`` holds provider reasoning to keep (OpenRouter's
        ``reasoning_details``)."""
        choices = get_field(response, "choices")
        if not choices:
            return None
        message = get_field(choices[0], "message")
        content = text_of(get_field(message, "content"))
        reasoning_field = extra_field(message, "reasoning_content") or extra_field(message, "reasoning")
        if not isinstance(reasoning_field, str):
            reasoning_field = None
        details = extra_field(message, "reasoning_details")
        extra = {"reasoning_details": plain(details)} if details else {}
        reasoning = reasoning_field
        visible = content
        if content:
            think, visible = split_reply(content, self.reasoning_parser)
            if think and self.reasoning_parser is not None:  # raw text split as vLLM would: own field
                content, reasoning_field = visible, reasoning_field or think
            reasoning = reasoning or think
        calls = tool_calls_of(message)
        if not calls and self.parser is not None and visible:
            if len(visible) > PARSE_OFF_LOOP_CHARS:
                parsed = await asyncio.to_thread(self.parser.parse, visible)
            else:
                parsed = self.parser.parse(visible)
            if parsed.tool_calls:
                assistant = parsed.as_assistant_message()
                calls, content = assistant["tool_calls"], assistant["content"]
                visible = content
                if reasoning and not reasoning_field:
                    reasoning_field = reasoning  # the <think> text now lives in the reasoning field
        if not calls and not (visible or "").strip():
            return None
        return content, visible, reasoning, calls, reasoning_field, extra

    def _emit(self, kind: EventKind, turn: int, **data: Any) -> None:
        if self.on_event is None:
            return
        try:
            self.on_event(AgentEvent(kind, turn, data))
        except Exception:  # a display bug must not end a rollout
            log.exception("on_event callback failed")
