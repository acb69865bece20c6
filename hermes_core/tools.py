"""Tools: schema, handler, requirements, and the registry that holds them.

Calling one is :mod:`hermes_core.dispatch`'s job: the agent loop never sees an exception from a tool: an
unknown name, arguments that fail the schema, a handler that raises, or a tool whose requirements are
missing all come back as ``{"error": "..."}``.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from hermes_core.dispatch import (
    ToolArgumentError,
    ToolOutcome,
    basic_schema_problem,
    call_tool,
    call_tool_sync,
    error_result,
    set_tool_workers,
    to_json_result,
    tool_executor,
)
from hermes_core.registry import Entry, Registry, resolve_lazy

if TYPE_CHECKING:  # pydantic and asyncio are imported on use: `hermes plugins list` needs neither
    from pydantic import BaseModel

Handler = Callable[..., Any]


@dataclass
class Tool:
    """A function the agent can call.

    ``handler(args: dict, task_id: str | None)`` may be sync or async and return any JSON-serialisable
    value or a JSON string. ``parameters`` is a pydantic model (validated, defaults filled) or a JSON
    schema (validated with ``jsonschema``). ``requires_env`` names keys that must be set (e.g.
    ``FIRECRAWL_API_KEY``), ``requires_packages`` importable modules; ``check_requirements`` may return
    ``False`` or a reason string for anything else.

    ``handler``, ``parameters`` and ``check_requirements`` may be lazy ``"module:attribute"`` references,
    imported on first use: registering a tool then costs nothing, and ``hermes plugins list`` stays quick
    however heavy the tool's module (pydantic models, asyncio, SDKs) is.
    """

    name: str
    description: str
    handler: Handler | str
    parameters: type[BaseModel] | dict[str, Any] | str = field(
        default_factory=lambda: {"type": "object", "properties": {}}
    )
    toolset: str | None = None
    requires_env: tuple[str, ...] = ()
    requires_packages: tuple[str, ...] = ()
    check_requirements: Callable[[], bool | str | None] | str | None = None
    timeout: float | None = None
    """Seconds the agent loop lets the handler run before answering with an error."""
    sequential: bool = False
    """Never run beside other calls of the same turn (a tool that changes shared state or asks a human)."""

    def load(self) -> Tool:
        """Import whatever was registered lazily; idempotent."""
        for attr in ("handler", "parameters", "check_requirements"):
            value = getattr(self, attr)
            if isinstance(value, str):
                setattr(self, attr, resolve_lazy(value))
        return self

    def _is_model(self) -> bool:
        self.load()
        return isinstance(self.parameters, type) and hasattr(self.parameters, "model_json_schema")

    def json_schema(self) -> dict[str, Any]:
        if self._is_model():
            schema = self.parameters.model_json_schema()
            schema.pop("title", None)
            return schema
        return self.parameters

    def openai_schema(self) -> dict[str, Any]:
        """The OpenAI ``tools=`` entry for this tool."""
        return {
            "type": "function",
            "function": {
                "name": self.name,
                "description": self.description,
                "parameters": self.json_schema(),
            },
        }

    def unavailable_reason(self) -> str | None:
        """``None`` when the tool can run here, else why not (missing key, package, ...)."""
        try:
            self.load()
        except Exception as exc:  # a broken lazy reference makes this tool unavailable, not the host
            return f"cannot load the tool: {type(exc).__name__}: {exc}"
        missing = [key for key in self.requires_env if not os.environ.get(key)]
        if missing:
            return "missing environment variable " + ", ".join(missing)
        for package in self.requires_packages:
            if importlib.util.find_spec(package) is None:
                return f"missing Python package {package!r}"
        if self.check_requirements is not None:
            try:
                verdict = self.check_requirements()
            except Exception as exc:  # a requirements check must not take the host down either
                return f"requirements check failed: {exc}"
            if verdict is False:
                return "requirements not met"
            if isinstance(verdict, str) and verdict:
                return verdict
        return None

    def validate(self, args: dict[str, Any]) -> dict[str, Any]:
        """Validate ``args`` against the schema; raise :class:`ToolArgumentError` with a one-line reason."""
        if self._is_model():
            from pydantic import ValidationError

            try:
                return self.parameters.model_validate(args).model_dump()
            except ValidationError as exc:
                first = exc.errors()[0]
                where = ".".join(str(p) for p in first["loc"]) or "arguments"
                raise ToolArgumentError(
                    f"invalid arguments for {self.name}: {where}: {first['msg']}"
                ) from None
        try:
            import jsonschema
        except ImportError:  # the core's `validation` extra is optional: check the common keywords
            problem = basic_schema_problem(self.parameters, args, "arguments")
            if problem:
                raise ToolArgumentError(f"invalid arguments for {self.name}: {problem}") from None
            return args
        error = jsonschema.exceptions.best_match(
            jsonschema.Draft202012Validator(self.parameters).iter_errors(args)
        )
        if error is not None:
            where = ".".join(str(p) for p in error.absolute_path) or "arguments"
            raise ToolArgumentError(f"invalid arguments for {self.name}: {where}: {error.message}")
        return args


def tool_functions(tools: Iterable[Any] | None) -> Iterator[dict[str, Any]]:
    """The function part of each OpenAI tool definition: ``{"type": "function", "function": {...}}`` or
    the bare function; anything that is not a dict is skipped."""
    for tool in tools or ():
        if isinstance(tool, dict):
            function = tool.get("function", tool)
            if isinstance(function, dict):
                yield function


class ToolRegistry(Registry[Tool]):
    def __init__(self) -> None:
        super().__init__("tool")

    def tool(self, name: str) -> Tool:
        return self.get(name).load()

    def available(self, names: list[str] | None = None) -> dict[str, Tool]:
        """The tools among ``names`` (default all) whose requirements hold here."""
        chosen = self.names() if names is None else names
        return {n: self.get(n) for n in chosen if n in self and self.get(n).unavailable_reason() is None}

    def unavailable(self) -> dict[str, str]:
        return {n: reason for n in self.names() if (reason := self.get(n).unavailable_reason())}

    def openai_tools(self, names: list[str]) -> list[dict[str, Any]]:
        """``tools=`` definitions for the available tools among ``names``, in that order."""
        return [tool.openai_schema() for tool in self.available(names).values()]

    def call(self, name: str, args: Any, task_id: str | None = None) -> ToolOutcome:
        """Run tool ``name`` synchronously (:func:`hermes_core.dispatch.call_tool_sync`)."""
        return call_tool_sync(name, args, task_id=task_id, registry=self)

    async def acall(self, name: str, args: Any, task_id: str | None = None) -> ToolOutcome:
        """Run tool ``name`` in the event loop (:func:`hermes_core.dispatch.call_tool`)."""
        return await call_tool(name, args, task_id=task_id, registry=self)

    def handle_function_call(self, name: str, args: Any, task_id: str | None = None) -> str:
        """Run tool ``name`` synchronously; always a JSON string."""
        return self.call(name, args, task_id).content

    async def ahandle_function_call(self, name: str, args: Any, task_id: str | None = None) -> str:
        """Async dispatch: async handlers are awaited, sync ones run in :func:`tool_executor`."""
        return (await self.acall(name, args, task_id)).content


__all__ = [
    "Entry",
    "Tool",
    "ToolArgumentError",
    "ToolOutcome",
    "ToolRegistry",
    "error_result",
    "to_json_result",
    "set_tool_workers",
    "tool_executor",
    "tool_functions",
]
