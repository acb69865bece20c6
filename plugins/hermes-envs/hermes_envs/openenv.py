"""The OpenEnv adapter: any contract environment served by ``openenv-core``'s own server.

``hermes env serve NAME`` builds the app with ``openenv.core.env_server.create_app`` (its ``/health``,
``/reset``, ``/step``, ``/state``, ``/schema`` and the ``/ws`` session protocol that ``GenericEnvClient``
speaks) around :class:`HermesOpenEnv`:

- ``reset(row=..., index=..., split=...)`` starts an episode (``row``: the task itself; ``index``: a row of
  ``split``; neither: the next row of the train split) and observes the starting ``messages`` and the
  ``tools`` offered;
- one action is one assistant message in OpenAI shape (``role``, ``content``, ``tool_calls``); its tool
  calls run in this session's own sandbox through the core's dispatch and the observation holds the tool
  messages;
- a message without tool calls (or the last allowed turn) ends the episode: ``done`` is true, ``reward``
  is the environment's :func:`~hermes_envs.contract.reward_of` and ``scores`` its named floats.

Each WebSocket session gets its own :class:`HermesOpenEnv` and so its own sandbox, released when the
episode ends, when the session closes, or when openenv's idle reaper times it out. Needs the ``openenv``
extra (``pip install 'hermes-envs[openenv]'``).
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import random
from collections.abc import Mapping
from typing import Any, Literal

from openenv.core.env_server.interfaces import Environment as OpenEnvEnvironment
from openenv.core.env_server.types import Action, ConcurrencyConfig, Observation, State
from pydantic import Field

from hermes_core.registry import HermesError
from hermes_envs.contract import Environment, named_scores, reward_of
from hermes_envs.episode import Episode

DEFAULT_MAX_SESSIONS = 256
DEFAULT_SESSION_TIMEOUT = 600.0


class AssistantMessage(Action):
    """One OpenAI-shaped assistant message: the model's turn."""

    role: Literal["assistant"] = "assistant"
    content: str | list[dict[str, Any]] | None = None
    tool_calls: list[dict[str, Any]] | None = None
    reasoning_content: str | None = None


class MessagesObservation(Observation):
    """What the model sees next: starting messages on reset, tool messages after a step."""

    messages: list[dict[str, Any]] = Field(default_factory=list)
    tools: list[dict[str, Any]] = Field(default_factory=list, description="OpenAI tools= definitions.")
    scores: dict[str, float] | None = Field(default=None, description="Named scores once done.")


class RowPicker:
    """Rows for ``reset`` without a row: the train split in a seeded order, shared by all sessions."""

    def __init__(self, environment: Environment, seed: int = 0) -> None:
        self.environment = environment
        self.seed = seed
        self._order: itertools.cycle | None = None

    def next(self) -> dict[str, Any]:
        if self._order is None:
            rows = [dict(r) for r in self.environment.rows("train")]
            if not rows:
                raise HermesError(f"environment {self.environment.name!r} has no training rows")
            random.Random(self.seed).shuffle(rows)
            self._order = itertools.cycle(rows)
        return next(self._order)

    def pick(self, row: Mapping[str, Any] | None, index: int | None, split: str) -> dict[str, Any]:
        if row is not None:
            return dict(row)
        if index is not None:
            rows = self.environment.rows(split)
            if not 0 <= index < len(rows):
                raise HermesError(f"row index {index} is out of range: split {split!r} has {len(rows)} rows")
            return dict(rows[index])
        return self.next()


class HermesOpenEnv(OpenEnvEnvironment[AssistantMessage, MessagesObservation, State]):
    """One session: at most one episode at a time, in its own sandbox."""

    SUPPORTS_CONCURRENT_SESSIONS = True

    def __init__(self, environment: Environment, rows: RowPicker) -> None:
        super().__init__()
        self.environment = environment
        self.rows = rows
        self.episode: Episode | None = None

    async def reset_async(
        self,
        seed: int | None = None,
        episode_id: str | None = None,
        row: dict[str, Any] | None = None,
        index: int | None = None,
        split: str = "train",
        **_: Any,
    ) -> MessagesObservation:
        await self._end()
        task = self.rows.pick(row, index, split)
        self.episode = Episode(self.environment, task, task_id=episode_id)
        return MessagesObservation(messages=self.episode.messages, tools=self.episode.tools)

    async def step_async(
        self, action: AssistantMessage, timeout_s: float | None = None, **_: Any
    ) -> MessagesObservation:
        episode = self.episode
        if episode is None or episode.done:
            raise HermesError("no episode in progress: reset first")
        message = action.model_dump(exclude={"metadata"}, exclude_none=True)
        results = await episode.step(message)
        if not episode.done:
            return MessagesObservation(messages=results, tools=episode.tools)
        try:
            score = await episode.score()
        finally:
            await episode.close()
        return MessagesObservation(
            messages=results,
            tools=episode.tools,
            done=True,
            reward=reward_of(score),
            scores=named_scores(score),
        )

    def reset(
        self, seed: int | None = None, episode_id: str | None = None, **kwargs: Any
    ) -> MessagesObservation:
        return asyncio.run(self.reset_async(seed=seed, episode_id=episode_id, **kwargs))

    def step(
        self, action: AssistantMessage, timeout_s: float | None = None, **kwargs: Any
    ) -> MessagesObservation:
        return asyncio.run(self.step_async(action, timeout_s=timeout_s))

    @property
    def state(self) -> State:
        episode = self.episode
        if episode is None:
            return State(environment=self.environment.name)
        return State(
            episode_id=episode.task_id,
            step_count=episode.turns,
            environment=self.environment.name,
            row=episode.row,
            done=episode.done,
        )

    async def _end(self) -> None:
        if self.episode is not None:
            await self.episode.close()
            self.episode = None

    def close(self) -> None:
        """The session is gone (closed, or idle past the timeout): release its sandbox."""
        episode, self.episode = self.episode, None
        if episode is not None and not episode.closed:
            from hermes_core.sandboxes import cleanup_task

            episode.closed = True
            cleanup_task(episode.task_id)


def create_app(
    environment: Environment,
    *,
    max_sessions: int = DEFAULT_MAX_SESSIONS,
    session_timeout: float | None = DEFAULT_SESSION_TIMEOUT,
    seed: int = 0,
) -> Any:
    """The FastAPI app serving ``environment`` (openenv-core's ``create_app``)."""
    from openenv.core.env_server.http_server import create_app as openenv_create_app

    factory = functools.partial(HermesOpenEnv, environment, RowPicker(environment, seed))  # openenv reads
    # SUPPORTS_CONCURRENT_SESSIONS from a partial's class
    config = ConcurrencyConfig(max_concurrent_envs=max_sessions, session_timeout=session_timeout)
    return openenv_create_app(
        factory, AssistantMessage, MessagesObservation, env_name=environment.name, concurrency_config=config
    )


def serve(
    environment: Environment,
    host: str = "127.0.0.1",
    port: int = 8000,
    **options: Any,
) -> None:
    """Serve ``environment`` with uvicorn until interrupted; every sandbox is released on the way out."""
    import uvicorn

    from hermes_core.sandboxes import install_signal_cleanup, release_all

    install_signal_cleanup()
    try:
        uvicorn.run(create_app(environment, **options), host=host, port=port, log_level="warning")
    finally:
        release_all()
