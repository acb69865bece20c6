"""Running the tool calls of one assistant turn: concurrently, bounded, results in call order.

A model that asks for four file reads at once should wait for the slowest, not for the sum. Calls run
together up to ``max_parallel``; a tool that must not overlap others (it changes shared state, or a
human answers it) declares itself sequential and runs alone, after the calls before it and before the
calls after it. Each call passes through the lifecycle hooks (``pre_tool_call``, ``post_tool_call``,
``transform_tool_result``) and the result budget; metrics and errors are recorded in call order.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

from hermes_agent_loop.budget import ResultBudget, over_turn_budget, spill, turn_share
from hermes_agent_loop.hooks import RunHooks, RunInfo
from hermes_agent_loop.metrics import ToolError
from hermes_agent_loop.normalize import normalize_arguments
from hermes_core.dispatch import BLOCKED, ToolOutcome, call_tool, to_json_result

__all__ = ["DEFAULT_MAX_PARALLEL", "ToolRunner"]

ToolHandler = Callable[[str, dict[str, Any], str | None], Any]
Emit = Callable[..., None]

DEFAULT_MAX_PARALLEL = 8
RESULT_EXCERPT_CHARS = 500


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
        for call, (args, outcome) in zip(calls, outcomes, strict=True):
            result.metrics.record(
                outcome.name,
                schema_valid=outcome.schema_valid,
                ok=outcome.ok,
                unknown=outcome.unknown,
                timed_out=outcome.timed_out,
                seconds=outcome.seconds,
            )
            if outcome.error is not None:
                result.tool_errors.append(
                    ToolError(
                        turn=turn,
                        tool=outcome.name,
                        arguments=args,
                        error=outcome.error,
                        result_excerpt=outcome.content[:RESULT_EXCERPT_CHARS],
                    )
                )
            messages.append({"role": "tool", "tool_call_id": call["id"], "content": outcome.content})
        if self.budget is not None and len(messages) > 1:
            sizes = [len(m["content"]) for m in messages]
            per_call = turn_share(self.budget.per_turn, len(messages))
            for index in over_turn_budget(sizes, self.budget.per_turn):
                name, content, call_id = (
                    outcomes[index][1].name,
                    messages[index]["content"],
                    calls[index]["id"],
                )
                messages[index]["content"] = await spill(self.task_id, call_id, name, content, per_call)
        return messages

    async def _run_many(
        self, calls: list[dict[str, Any]], turn: int, info: RunInfo | None, emit: Emit
    ) -> list[tuple[dict[str, Any], ToolOutcome]]:
        outcomes: list[tuple[dict[str, Any], ToolOutcome] | None] = [None] * len(calls)
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

    async def call(
        self, call: dict[str, Any], turn: int, info: RunInfo | None, emit: Emit
    ) -> tuple[dict[str, Any], ToolOutcome]:
        """The arguments run and the outcome the model sees, after the hooks and the result budget."""
        function = call["function"]
        name = function["name"]
        raw = function["arguments"]
        args, coerced_ok = normalize_arguments(name, raw)
        if not coerced_ok or not isinstance(raw, str):  # send back what was run, as a JSON string
            function["arguments"] = json.dumps(args, ensure_ascii=False)
        hooks = self.hooks
        blocked = None
        if hooks.pre_tool_call:
            blocked, args = await self._pre_tool_call(info, name, args, call["id"])
        emit("tool_call", turn, id=call["id"], name=name, arguments=args)
        if blocked is not None:
            outcome = ToolOutcome.refused(name, BLOCKED, blocked)
        else:
            outcome = await self.dispatch(name, args)
        outcome.schema_valid = outcome.schema_valid and coerced_ok
        if hooks.post_tool_call:
            await hooks.call(
                "post_tool_call",
                run=info,
                tool_name=name,
                arguments=args,
                result=outcome.content,
                error=outcome.error,
                seconds=outcome.seconds,
                call_id=call["id"],
            )
        shown = outcome.content
        if hooks.transform_tool_result:
            shown = await hooks.chain(
                "transform_tool_result", "result", run=info, tool_name=name, arguments=args,
                result=shown, call_id=call["id"],
            )  # fmt: skip
            if not isinstance(shown, str):
                shown = to_json_result(shown)
        if self.budget is not None and len(shown) > self.budget.per_result:
            shown = await spill(self.task_id, call["id"], name, shown, self.budget.per_result)
        outcome.content = shown
        emit(
            "tool_result", turn, id=call["id"], name=name, result=shown, error=outcome.error,
            seconds=outcome.seconds,
        )  # fmt: skip
        return args, outcome

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

    def dispatch(self, name: str, args: dict[str, Any]) -> Any:
        """The core's one dispatch path (:func:`hermes_core.dispatch.call_tool`), with this loop's
        handler, tool list, schemas and deadline."""
        handler = self.tool_handler
        return call_tool(
            name,
            args,
            task_id=self.task_id,
            registry=self.registry() if handler is None else None,
            handler=handler,
            known=self.valid_tool_names,
            schema=self.schemas.get(name) if handler is not None else None,
            timeout=self.tool_timeout,
        )
