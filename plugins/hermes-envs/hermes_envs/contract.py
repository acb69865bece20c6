"""The environment contract: what an RL environment is, written once for every trainer.

An environment says four things and nothing about who trains on it:

- **tasks**: a task is one dataset row (a plain mapping); :meth:`Environment.rows` lists them by split;
- **how an episode starts**: :meth:`Environment.start` turns a row into an :class:`EpisodeStart` — the
  starting messages (OpenAI-shaped), the toolsets the agent may call, the sandbox it works in (a
  :class:`~hermes_core.terminal.SandboxRequest` without a task id: the adapter gives each episode its own)
  and the most model turns it may take;
- **how an episode is scored**: ``await`` :meth:`Environment.score` with the row, the finished conversation
  and the episode's sandbox (a :class:`~hermes_envs.tool_context.ToolContext`, still alive while scoring);
  it returns a float or named floats (:func:`reward_of` reads the one reward out of them);
- **settings**: an optional pydantic model :attr:`Environment.Settings` (``--env.KEY VALUE`` on every
  command line that runs the environment).

Adapters — atroposlib (:mod:`hermes_envs.atropos`), OpenEnv (``hermes env serve``), TRL
(:mod:`hermes_envs.trl`), verifiers (``hermes_envs_verifiers``, a distribution of its own) — drive this
contract; none of them is imported here, and this module imports no trainer. Register an environment
class lazily with the ``register_environments`` hook::

    @hookimpl
    def register_environments(register):
        register("my_plugin.env:MyEnvironment", name="my_env", description="...")
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict

from hermes_core.registry import HermesError
from hermes_core.terminal import SandboxRequest

if TYPE_CHECKING:
    from hermes_envs.tool_context import ToolContext

Row = Mapping[str, Any]
"""One task: a dataset row, JSON-able so that it can cross a process or an HTTP boundary."""

Message = dict[str, Any]
"""An OpenAI chat message: ``{"role": ..., "content": ..., "tool_calls": [...], "tool_call_id": ...}``."""

Score = float | Mapping[str, float]
"""What :meth:`Environment.score` returns: one reward, or named floats (see :func:`reward_of`)."""

DEFAULT_MAX_TURNS = 30
SANDBOX_TEMPLATE_ID = ""
"""The task id of an :class:`EpisodeStart`'s sandbox request: adapters replace it per episode."""


@dataclass(frozen=True)
class EpisodeStart:
    """How one episode begins: what the model sees first, what it may call, where the calls run."""

    messages: list[Message]
    """Starting messages (system and user, usually); the adapter never mutates them."""
    toolsets: tuple[str, ...] = ()
    """Toolsets whose available tools are offered (resolved by the core's toolset registry)."""
    sandbox: SandboxRequest = field(default_factory=lambda: SandboxRequest(SANDBOX_TEMPLATE_ID))
    """The episode's sandbox: ``image``, ``cwd``, ``timeout``, backend ``options``; ``None`` fields mean the
    backend's default. Its ``task_id`` is a placeholder: each episode gets a fresh one."""
    max_turns: int = DEFAULT_MAX_TURNS
    """Model calls before the episode is cut off (and scored as it stands)."""
    backend: str | None = None
    """Terminal backend by name (``docker``, ``modal``, ...); ``None``: the selected one (TERMINAL_ENV)."""


class EnvironmentSettings(BaseModel):
    """Base of an environment's settings: unknown keys are an error naming them, not silently dropped."""

    model_config = ConfigDict(extra="forbid")


class Environment(ABC):
    """A trainer-independent RL environment; see the module docstring.

    Subclasses set :attr:`name`, may set :attr:`Settings`, and implement :meth:`start` and :meth:`score`
    (plus :meth:`rows` when the environment has a dataset). One instance serves many concurrent episodes:
    keep per-episode state in the row, the conversation and the sandbox, never on ``self``.
    """

    name: ClassVar[str] = ""
    Settings: ClassVar[type[EnvironmentSettings]] = EnvironmentSettings
    splits: ClassVar[tuple[str, ...]] = ("train",)
    toolsets: tuple[str, ...] = ()
    """Toolsets offered by default (:meth:`episode`); an adapter may set its own per instance."""
    max_turns: int = DEFAULT_MAX_TURNS
    """Model calls per episode by default (:meth:`episode`)."""

    def __init__(self, settings: EnvironmentSettings | Mapping[str, Any] | None = None, **values: Any):
        if isinstance(settings, EnvironmentSettings):
            self.settings = settings.model_copy(update=values) if values else settings
        else:
            try:
                self.settings = self.Settings(**{**dict(settings or {}), **values})
            except ValueError as exc:  # pydantic's ValidationError
                raise HermesError(
                    f"environment {self.name!r}: bad settings: {settings_problems(exc)}"
                ) from None

    def rows(self, split: str = "train") -> Sequence[Row]:
        """The tasks of ``split``. A dataset that cannot be found raises a one-line error saying where to
        put it; nothing is downloaded unless a setting asks for it."""
        raise HermesError(f"environment {self.name!r} has no dataset; give it rows directly")

    def episode(self, messages: list[Message], **fields: Any) -> EpisodeStart:
        """An :class:`EpisodeStart` with this environment's ``toolsets`` and ``max_turns`` unless given."""
        fields.setdefault("toolsets", tuple(self.toolsets))
        fields.setdefault("max_turns", self.max_turns)
        return EpisodeStart(messages=messages, **fields)

    @abstractmethod
    def start(self, row: Row) -> EpisodeStart:
        """The episode for ``row``: pure and quick (called once per episode, maybe thousands at once)."""

    @abstractmethod
    async def score(self, row: Row, conversation: list[Message], sandbox: ToolContext) -> Score:
        """Score the finished ``conversation`` (the starting messages included) of ``row``'s episode.

        ``sandbox`` reaches into the episode's own sandbox (files the agent wrote, commands to run a
        verifier); it is released by the adapter afterwards. Raise only for a bug: a bad answer is 0.0.
        """


def reward_of(score: Score) -> float:
    """The one reward of a score: the float itself, else the ``reward`` key, else the only key.

    Named floats without a ``reward`` key and with several entries are ambiguous: an error, not a guess.
    """
    if isinstance(score, Mapping):
        if "reward" in score:
            value = score["reward"]
        elif len(score) == 1:
            (value,) = score.values()
        else:
            raise HermesError(f"a score with several named floats needs a 'reward' key: {sorted(score)}")
    else:
        value = score
    reward = float(value)
    if math.isnan(reward):
        raise HermesError("the score is NaN")
    return reward


def named_scores(score: Score) -> dict[str, float]:
    """Every named float of a score (``{"reward": r}`` for a plain float), for metrics."""
    if isinstance(score, Mapping):
        return {str(k): float(v) for k, v in score.items()}
    return {"reward": float(score)}


def one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


def settings_problems(exc: ValueError) -> str:
    """``key: problem; key: problem`` from a pydantic ``ValidationError`` (any other error as one line)."""
    errors = getattr(exc, "errors", None)
    if not callable(errors):
        return one_line(exc)
    return "; ".join(
        f"{'.'.join(map(str, e.get('loc', ()))) or 'settings'}: {e.get('msg')}" for e in errors()
    )


def environment_class(name: str) -> type[Environment]:
    """The :class:`Environment` subclass registered as ``name``: a one-line error when it is unknown, fails
    to import, or is not a contract environment (an atroposlib-only class, say)."""
    from hermes_core.plugins import get_hermes

    entry = get_hermes().environments.entry(name)
    try:
        target = entry.load()
    except ImportError as exc:
        raise HermesError(
            f"environment {name!r} (plugin {entry.plugin}) could not be imported: {exc}"
        ) from exc
    if not (isinstance(target, type) and issubclass(target, Environment)):
        raise HermesError(
            f"environment {name!r} from plugin {entry.plugin} is not a hermes_envs.contract.Environment "
            "(an atroposlib-only class runs with `hermes env run` alone)"
        )
    return target


def load_environment(name: str, settings: Mapping[str, Any] | None = None) -> Environment:
    """An instance of environment ``name`` with ``settings`` (validated by its ``Settings`` model)."""
    return environment_class(name)(settings)


def final_answer(conversation: list[Message]) -> str | None:
    """The model's final answer: the content of the last message when it is an assistant message without
    tool calls; ``None`` when the episode was cut off (or never answered)."""
    if not conversation:
        return None
    last = conversation[-1]
    if last.get("role") != "assistant" or last.get("tool_calls"):
        return None
    content = last.get("content")
    if isinstance(content, list):  # content parts: the text ones
        content = "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return content if isinstance(content, str) else None
