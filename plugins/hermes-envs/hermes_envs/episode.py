"""One running episode of a contract environment, driven step by step by an adapter.

The OpenEnv server, the TRL and the verifiers adapters all do the same thing per episode: start it from a
row (its own task id, so its own sandbox), take the model's assistant messages one at a time, run their
tool calls in that sandbox through the core's tool dispatch, and score the finished conversation. That is
:class:`Episode`; no trainer is imported here.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

from hermes_core.registry import HermesError
from hermes_core.sandboxes import TaskOverrides, cleanup_task, sandbox_table
from hermes_envs.contract import Environment, EpisodeStart, Message, Row, Score, reward_of
from hermes_envs.tool_context import ToolContext


def new_task_id(env_name: str) -> str:
    return f"{env_name or 'env'}-{uuid.uuid4().hex[:12]}"


def prepare_sandbox(task_id: str, start: EpisodeStart) -> None:
    """Tell the core's sandbox table how to make ``task_id``'s sandbox (made on its first command)."""
    request = start.sandbox
    if start.backend or request.image or request.cwd or request.options:
        overrides = TaskOverrides(
            backend=start.backend, image=request.image, cwd=request.cwd, options=dict(request.options)
        )
        sandbox_table().set_overrides(task_id, overrides)


def tools_for(toolsets: tuple[str, ...] | list[str]) -> list[dict[str, Any]]:
    """OpenAI ``tools=`` definitions of the available tools in ``toolsets`` (resolved once per host and
    toolsets: thousands of episodes share them; treat the result as read-only)."""
    from hermes_core.plugins import get_hermes

    hermes = get_hermes()
    key = (id(hermes), tuple(toolsets))
    tools = _TOOLS.get(key)
    if tools is None:
        names = hermes.toolsets.resolve_many(list(toolsets), [])
        tools = _TOOLS[key] = hermes.tools.openai_tools(names)
    return tools


_TOOLS: dict[tuple[int, tuple[str, ...]], list[dict[str, Any]]] = {}


def tool_name(tool: dict[str, Any]) -> str:
    return (tool.get("function") or tool).get("name", "")


def as_message(message: Any) -> Message:
    """An assistant message as a plain dict (pydantic models and ``None`` fields accepted)."""
    if hasattr(message, "model_dump"):
        message = message.model_dump(exclude_none=True)
    if not isinstance(message, dict):
        raise HermesError(f"an assistant message must be a JSON object, got {type(message).__name__}")
    out = {k: v for k, v in message.items() if v is not None}
    out["role"] = out.get("role") or "assistant"
    if out["role"] != "assistant":
        raise HermesError(f"an action is an assistant message, not role {out['role']!r}")
    out.setdefault("content", None)
    return out


class Episode:
    """One episode: ``start`` → any number of :meth:`step` → :meth:`score` → :meth:`close`.

    ``messages`` is the whole conversation so far. An episode is done when the model answered without
    tool calls or used its ``max_turns``. :meth:`close` releases the sandbox and is idempotent.
    """

    def __init__(self, environment: Environment, row: Row, task_id: str | None = None) -> None:
        self.environment = environment
        self.row = dict(row)
        self.start = environment.start(self.row)
        self.task_id = task_id or new_task_id(environment.name)
        self.messages: list[Message] = [dict(m) for m in self.start.messages]
        self.tools = tools_for(self.start.toolsets)
        self.tool_names = {tool_name(t) for t in self.tools}
        self.turns = 0
        self.done = False
        self.closed = False
        prepare_sandbox(self.task_id, self.start)

    @property
    def sandbox(self) -> ToolContext:
        return ToolContext(self.task_id)

    async def step(self, message: Any) -> list[Message]:
        """Add one assistant message; run its tool calls in order in this episode's sandbox and return
        the tool messages (none: the episode is done)."""
        if self.done:
            raise HermesError("the episode is over; start a new one")
        message = as_message(message)
        self.messages.append(message)
        self.turns += 1
        calls = message.get("tool_calls") or []
        results = [await self._run(call) for call in calls]
        self.messages.extend(results)
        if not calls or self.turns >= self.start.max_turns:
            self.done = True
        return results

    async def _run(self, call: dict[str, Any]) -> Message:
        function = call.get("function") or {}
        name = function.get("name") or ""
        call_id = call.get("id") or f"call_{uuid.uuid4().hex[:12]}"
        content = await self.call_tool(name, function.get("arguments"))
        return {"role": "tool", "tool_call_id": call_id, "name": name, "content": content}

    async def call_tool(self, name: str, arguments: Any) -> str:
        """Run one of the episode's tools in its sandbox (the core's dispatch): the JSON-string result,
        ``{"error": ...}`` for a tool not offered, bad arguments or a failure."""
        from hermes_core.plugins import get_hermes
        from hermes_core.tools import error_result

        if name not in self.tool_names:
            offered = ", ".join(sorted(self.tool_names)) or "none"
            return error_result(f"unknown tool {name!r}; available: {offered}")
        if isinstance(arguments, dict):
            arguments = json.dumps(arguments)
        return await get_hermes().tools.ahandle_function_call(name, arguments, task_id=self.task_id)

    async def score(self) -> Score:
        """The environment's score of the conversation as it stands (the sandbox still alive)."""
        return await self.environment.score(self.row, self.messages, self.sandbox)

    async def reward(self) -> float:
        return reward_of(await self.score())

    async def close(self) -> None:
        if not self.closed:
            self.closed = True
            await asyncio.to_thread(cleanup_task, self.task_id)


async def score_transcript(environment: Environment, row: Row, transcript: list[Message]) -> Score:
    """Replay ``transcript``'s assistant turns (tool calls really run) in a fresh episode and score it:
    what every adapter does, in-process. The sandbox is released afterwards."""
    episode = Episode(environment, row)
    try:
        for message in transcript[len(episode.messages) :]:
            if message.get("role") == "assistant" and not episode.done:
                await episode.step(message)
        return await episode.score()
    finally:
        await episode.close()
