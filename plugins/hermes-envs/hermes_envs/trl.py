"""The TRL adapter: a contract environment for ``GRPOTrainer(environment_factory=...)``.

TRL's contract (``trl/trainer/grpo_trainer.py``, 1.16): the factory is called with no argument and returns
an instance; ``reset(**example)`` runs before each rollout with the dataset row's columns and returns
``None`` or text appended to the last user message; every public method other than ``reset`` and
``get_reward`` is a tool, its schema read from its signature and docstring by transformers'
``get_json_schema``; tools may be ``async``; reward functions receive ``environments=`` (one instance per
rollout) with the ``completions``.

::

    from hermes_envs.trl import dataset, environment_factory, reward
    trainer = GRPOTrainer(model=..., train_dataset=Dataset.from_list(dataset("gsm8k")),
                          environment_factory=environment_factory("gsm8k"), reward_funcs=reward)

The reward is a reward function, not ``get_reward``: TRL shows an environment only its tool calls, and a
hermes score reads the whole conversation (GSM8K's final ``\\boxed{}`` answer), which :func:`reward`
rebuilds from the episode's starting messages and TRL's ``completions``. Nothing here imports TRL.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
from collections.abc import Mapping
from typing import Any

from hermes_envs.contract import Environment, Message, load_environment, reward_of
from hermes_envs.episode import Episode, tool_name, tools_for

log = logging.getLogger("hermes.envs")

ROW_COLUMN = "hermes_row"
"""Dataset column holding the row as JSON, so that a row's own ``prompt`` key never clashes with TRL's."""
RESERVED = ("reset", "get_reward")

_JSON_TO_PYTHON: dict[str, type] = {
    "string": str,
    "integer": int,
    "number": float,
    "boolean": bool,
    "array": list,
    "object": dict,
}


class HermesTRLEnvironment:
    """Base of the generated classes: one rollout's episode at a time, in its own sandbox."""

    environment: Environment

    def __init__(self) -> None:
        self.episode: Episode | None = None

    def reset(self, **example: Any) -> None:
        """Start a new episode for the dataset row ``example`` (the previous one's sandbox is released)."""
        self._release()
        self.episode = Episode(self.environment, row_of(example))
        return None  # the dataset's prompt already holds the starting messages

    async def _call(self, name: str, arguments: dict[str, Any]) -> str:
        if self.episode is None:
            return json.dumps({"error": "reset() was not called"})
        arguments = {k: v for k, v in arguments.items() if v is not None}
        return await self.episode.call_tool(name, arguments)

    async def _reward(self, completion: list[Message]) -> float:
        """The episode's reward for TRL's ``completion`` (the messages after the prompt)."""
        if self.episode is None:
            raise RuntimeError("reset() was not called")
        conversation = [*self.episode.messages, *(normalise(m) for m in completion)]
        score = await self.environment.score(self.episode.row, conversation, self.episode.sandbox)
        return reward_of(score)

    def _release(self) -> None:
        if self.episode is not None:
            from hermes_core.sandboxes import cleanup_task

            cleanup_task(self.episode.task_id)
            self.episode = None

    def __del__(self) -> None:
        try:
            self._release()
        except Exception:  # interpreter shutdown
            pass


def row_of(example: Mapping[str, Any]) -> dict[str, Any]:
    """The task row of a dataset example: the ``hermes_row`` column, else every column but ``prompt``."""
    if ROW_COLUMN in example:
        value = example[ROW_COLUMN]
        return json.loads(value) if isinstance(value, str) else dict(value)
    return {k: v for k, v in example.items() if k != "prompt"}


def normalise(message: Mapping[str, Any]) -> Message:
    """A TRL completion message as OpenAI shape: tool-call arguments as JSON strings."""
    out = dict(message)
    calls = out.get("tool_calls")
    if calls:
        fixed = []
        for call in calls:
            function = dict(call.get("function") or {})
            if not isinstance(function.get("arguments"), str):
                function["arguments"] = json.dumps(function.get("arguments") or {})
            fixed.append({"type": "function", **call, "function": function})
        out["tool_calls"] = fixed
    return out


def python_type(schema: Mapping[str, Any]) -> Any:
    """The annotation ``get_json_schema`` turns back into ``schema``'s type (``X | None`` when nullable)."""
    options = schema.get("anyOf") or schema.get("oneOf")
    if options:
        kinds = [python_type(o) for o in options if o.get("type") != "null"]
        nullable = any(o.get("type") == "null" for o in options)
        base = kinds[0] if len(kinds) == 1 else Any
        return base | None if nullable and base is not Any else base
    kind = schema.get("type")
    if isinstance(kind, list):
        return python_type({"anyOf": [{"type": k} for k in kind]})
    if kind == "array" and isinstance(schema.get("items"), Mapping) and schema["items"].get("type"):
        return list[python_type(schema["items"])]
    return _JSON_TO_PYTHON.get(kind, Any)


def one_line(text: str | None, fallback: str) -> str:
    text = " ".join((text or "").split())
    return text or fallback


def tool_method(tool: Mapping[str, Any]) -> Any:
    """An ``async`` method whose signature and Google-style docstring describe ``tool`` (OpenAI shape)."""
    function = tool.get("function") or tool
    name = function["name"]
    schema = function.get("parameters") or {}
    required = set(schema.get("required") or ())
    properties = schema.get("properties") or {}
    parameters = [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
    annotations: dict[str, Any] = {}
    args_doc = []
    for key, prop in properties.items():
        annotation = python_type(prop)
        if key not in required and annotation is not Any:
            annotation = annotation | None
        default = inspect.Parameter.empty if key in required else None
        parameters.append(
            inspect.Parameter(key, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation)
        )
        annotations[key] = annotation
        args_doc.append(f"    {key}: {one_line(prop.get('description') or prop.get('title'), key)}")
    annotations["return"] = str

    async def method(self: HermesTRLEnvironment, **arguments: Any) -> str:
        return await self._call(name, arguments)

    method.__name__ = method.__qualname__ = name
    method.__signature__ = inspect.Signature(parameters, return_annotation=str)  # type: ignore[attr-defined]
    method.__annotations__ = annotations
    doc = one_line(function.get("description"), name)
    method.__doc__ = doc + ("\n\nArgs:\n" + "\n".join(args_doc) if args_doc else "")
    return method


def environment_class(environment: Environment) -> type[HermesTRLEnvironment]:
    """The class TRL instantiates: :class:`HermesTRLEnvironment` plus one method per offered tool."""
    methods: dict[str, Any] = {}
    for tool in tools_for(environment.toolsets):
        name = tool_name(tool)
        if not name.isidentifier() or name in RESERVED or name.startswith("_"):
            log.warning("%s: tool %r cannot be a TRL method name; left out", environment.name, name)
            continue
        methods[name] = tool_method(tool)
    return type(
        f"{type(environment).__name__}TRLEnvironment",
        (HermesTRLEnvironment,),
        {"environment": environment, "__doc__": type(environment).__doc__, **methods},
    )


def environment_factory(name: str, settings: Mapping[str, Any] | None = None) -> type[HermesTRLEnvironment]:
    """``environment_factory=`` for TRL: the class (a no-argument callable) for environment ``name``."""
    return environment_class(load_environment(name, settings))


def dataset(name_or_environment: str | Environment, split: str = "train") -> list[dict[str, Any]]:
    """Rows for ``Dataset.from_list``: ``prompt`` (the starting messages) and ``hermes_row`` (the task)."""
    env = name_or_environment
    if isinstance(env, str):
        env = load_environment(env)
    return [{"prompt": env.start(row).messages, ROW_COLUMN: json.dumps(dict(row))} for row in env.rows(split)]


async def reward(
    environments: list[HermesTRLEnvironment], completions: list[list[Message]], **_: Any
) -> list[float]:
    """TRL reward function: each rollout's score by its environment (pass as ``reward_funcs=reward``)."""
    return list(
        await asyncio.gather(*(env._reward(c) for env, c in zip(environments, completions, strict=True)))
    )
