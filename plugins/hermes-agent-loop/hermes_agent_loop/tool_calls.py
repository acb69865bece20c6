"""Running the tool calls of one assistant turn: concurrently, bounded, results in call order.

A model that asks for four file reads at once should wait for the slowest, not for the sum. Calls run
together up to ``max_parallel``; a tool that must not overlap others (it changes shared state, or a
human answers it) declares itself sequential and runs alone, after the calls before it and before the
calls after it. Each call passes through the lifecycle hooks (``pre_tool_call``, ``post_tool_call``,
``transform_tool_result``) and the result budget; metrics and errors are recorded in call order.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from hermes_agent_loop.budget import ResultBudget, over_turn_budget, spill
from hermes_agent_loop.hooks import RunHooks, RunInfo
from hermes_agent_loop.metrics import ToolError
from hermes_agent_loop.normalize import check_schema, normalize_arguments
from hermes_core.tools import error_result, to_json_result, tool_executor

__all__ = ["DEFAULT_MAX_PARALLEL", "ToolRunner"]

ToolHandler = Callable[[str, dict[str, Any], str | None], Any]
Emit = Callable[..., None]

DEFAULT_MAX_PARALLEL = 8
RESULT_EXCERPT_CHARS = 500


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


def is_async_callable(fn: Any) -> bool:
    return inspect.iscoroutinefunction(fn) or inspect.iscoroutinefunction(getattr(fn, "__call__", None))  # noqa: B004


@dataclass(slots=True)
class _Outcome:
    """One finished call, recorded by the turn in call order."""

    name: str
    args: Any
    content: str
    error: str | None
    schema_valid: bool
    unknown: bool
    timed_out: bool
    seconds: float


class ToolRunner:
    """Dispatches tool calls for one :class:`~hermes_agent_loop.AgentLoop` (configuration only)."""

    def __init__(
        self,
        *,
        tool_handler: ToolHandler | None,
        tool_timeout: float | None,
        valid_tool_names: set[str] | None,
        schemas: dict[str, dict[str, Any]],
        hooks: RunHooks,
        budget: ResultBudget | None,
        task_id: str | None,
        max_parallel: int = DEFAULT_MAX_PARALLEL,
        sequential_tools: set[str] | frozenset[str] = frozenset(),
    ) -> None:
        self.tool_handler = tool_handler
        self.handler_is_async = tool_handler is not None and is_async_callable(tool_handler)
        self.tool_timeout = tool_timeout
        self.valid_tool_names = valid_tool_names
        self.schemas = schemas
        self.hooks = hooks
        self.budget = budget
        self.task_id = task_id
        self.max_parallel = max(1, max_parallel)
        self.sequential_tools = set(sequential_tools)
        self._registry = None
        self._sequential_cache: dict[str, bool] = {}

    # -- a turn -----------------------------------------------------------------------------------

    async def run_turn(
        self, calls: list[dict[str, Any]], turn: int, result: Any, info: RunInfo | None, emit: Emit
    ) -> list[dict[str, Any]]:
        """The tool messages answering ``calls``, in call order; metrics and errors go to ``result``."""
        if len(calls) == 1:
            outcomes = [await self.call(calls[0], turn, info, emit)]
        else:
            outcomes = await self._run_many(calls, turn, info, emit)
        messages = []
        for call, outcome in zip(calls, outcomes, strict=True):
            result.metrics.record(
                outcome.name,
                schema_valid=outcome.schema_valid,
                ok=outcome.error is None,
                unknown=outcome.unknown,
                timed_out=outcome.timed_out,
                seconds=outcome.seconds,
            )
            if outcome.error is not None:
                result.tool_errors.append(
                    ToolError(
                        turn=turn,
                        tool=outcome.name,
                        arguments=outcome.args,
                        error=outcome.error,
                        result_excerpt=outcome.content[:RESULT_EXCERPT_CHARS],
                    )
                )
            messages.append({"role": "tool", "tool_call_id": call["id"], "content": outcome.content})
        if self.budget is not None and len(messages) > 1:
            sizes = [len(m["content"]) for m in messages]
            for index in over_turn_budget(sizes, self.budget.per_turn):
                name = outcomes[index].name
                content = messages[index]["content"]
                per_call = max(1, self.budget.per_turn // len(messages))
                call_id = calls[index]["id"]
                messages[index]["content"] = await spill(self.task_id, call_id, name, content, per_call)
        return messages

    async def _run_many(
        self, calls: list[dict[str, Any]], turn: int, info: RunInfo | None, emit: Emit
    ) -> list[_Outcome]:
        outcomes: list[_Outcome | None] = [None] * len(calls)
        limit = asyncio.Semaphore(self.max_parallel)

        async def bounded(index: int) -> None:
            async with limit:
                outcomes[index] = await self.call(calls[index], turn, info, emit)

        group: list[int] = []
        for index, call in enumerate(calls):
            if self.is_sequential(call["function"]["name"]):
                if group:
                    await asyncio.gather(*(bounded(i) for i in group))
                    group = []
                outcomes[index] = await self.call(call, turn, info, emit)
            else:
                group.append(index)
        if group:
            await asyncio.gather(*(bounded(i) for i in group))
        return outcomes  # type: ignore[return-value]

    def is_sequential(self, name: str) -> bool:
        """Declared with ``sequential_tools=`` or registered with ``register(tool, sequential=True)``."""
        if name in self.sequential_tools:
            return True
        if self.tool_handler is not None:
            return False
        cached = self._sequential_cache.get(name)
        if cached is None:
            registry = self.registry()
            cached = False
            if name in registry:
                entry = registry.entry(name)
                cached = bool(entry.metadata.get("sequential") or getattr(entry.target, "sequential", False))
            self._sequential_cache[name] = cached
        return cached

    def registry(self) -> Any:
        if self._registry is None:
            from hermes_core.plugins import get_hermes

            self._registry = get_hermes().tools
        return self._registry

    # -- one call ---------------------------------------------------------------------------------

    async def call(self, call: dict[str, Any], turn: int, info: RunInfo | None, emit: Emit) -> _Outcome:
        function = call["function"]
        name = function["name"]
        raw = function["arguments"]
        args, schema_valid = normalize_arguments(name, raw)
        if not schema_valid or not isinstance(raw, str):  # send back what was run, as a JSON string
            function["arguments"] = json.dumps(args, ensure_ascii=False)
        hooks = self.hooks
        blocked = None
        if hooks.pre_tool_call:
            blocked, args = await self._pre_tool_call(info, name, args, call["id"])
        emit("tool_call", turn, id=call["id"], name=name, arguments=args)
        unknown = self.valid_tool_names is not None and name not in self.valid_tool_names
        timed_out = False
        started = time.perf_counter()
        if blocked is not None:
            content = error_result(blocked)
        elif unknown:
            valid = ", ".join(sorted(self.valid_tool_names or ())) or "none"
            content = error_result(f"unknown tool {name!r}; valid tools: {valid}")
            schema_valid = False
        else:
            schema_valid = schema_valid and check_schema(args, self.schemas.get(name))
            content, timed_out = await self.dispatch(name, args)
        seconds = time.perf_counter() - started
        error = _error_of(content)
        if hooks.post_tool_call:
            await hooks.call(
                "post_tool_call",
                run=info,
                tool_name=name,
                arguments=args,
                result=content,
                error=error,
                seconds=seconds,
                call_id=call["id"],
            )
        shown = content
        if hooks.transform_tool_result:
            shown = await hooks.chain(
                "transform_tool_result", "result", run=info, tool_name=name, arguments=args,
                result=content, call_id=call["id"],
            )  # fmt: skip
            if not isinstance(shown, str):
                shown = to_json_result(shown)
        if self.budget is not None and len(shown) > self.budget.per_result:
            shown = await spill(self.task_id, call["id"], name, shown, self.budget.per_result)
        emit("tool_result", turn, id=call["id"], name=name, result=shown, error=error, seconds=seconds)
        return _Outcome(name, args, shown, error, schema_valid, unknown, timed_out, seconds)

    async def _pre_tool_call(
        self, info: RunInfo | None, name: str, args: dict[str, Any], call_id: str
    ) -> tuple[str | None, dict[str, Any]]:
        """``(block_message, arguments)`` after every ``pre_tool_call`` implementation had its say."""
        for decision in await self.hooks.call(
            "pre_tool_call", run=info, tool_name=name, arguments=args, call_id=call_id
        ):
            if not isinstance(decision, dict):
                continue
            if decision.get("action") == "block":
                return str(decision.get("message") or f"the call to {name} was refused by a plugin"), args
            if isinstance(decision.get("arguments"), dict):
                args = decision["arguments"]
        return None, args

    async def dispatch(self, name: str, args: dict[str, Any]) -> tuple[str, bool]:
        """``(json_result, timed_out)``; never raises (except cancellation).

        Only our own deadline counts as a timeout: a handler that raises ``TimeoutError`` itself (a
        socket timeout inside a web tool) failed, and is reported and counted as a failure.
        """
        timeout = self.tool_timeout
        deadline = asyncio.timeout(timeout) if timeout else None
        try:
            if deadline is None:
                value = await self._start(name, args)
                if inspect.isawaitable(value):  # a sync-looking handler that returned a coroutine
                    value = await value
            else:
                async with deadline:
                    value = await self._start(name, args)
                    if inspect.isawaitable(value):
                        value = await value
            return to_json_result(value), False
        except asyncio.CancelledError:
            raise
        except TimeoutError as exc:
            if deadline is not None and deadline.expired():
                return error_result(f"{name} timed out after {timeout:g}s"), True
            return error_result(f"{name} failed: TimeoutError: {exc}"), False
        except Exception as exc:
            return error_result(f"{name} failed: {type(exc).__name__}: {exc}"), False

    def _start(self, name: str, args: dict[str, Any]) -> Awaitable[Any]:
        if self.tool_handler is None:
            return self.registry().ahandle_function_call(name, args, self.task_id)
        if self.handler_is_async:
            return self.tool_handler(name, args, self.task_id)
        loop = asyncio.get_running_loop()
        return loop.run_in_executor(tool_executor(), partial(self.tool_handler, name, args, self.task_id))
