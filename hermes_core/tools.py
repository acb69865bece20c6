"""Tools: schema, handler, requirements; dispatch that always answers with a JSON string.

The agent loop never sees an exception from a tool: an unknown name, arguments that fail the schema, a
handler that raises, or a tool whose requirements are missing all come back as ``{"error": "..."}``.
"""

from __future__ import annotations

import importlib.util
import json
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from hermes_core.registry import Entry, HermesError, Registry, resolve_lazy

if TYPE_CHECKING:  # pydantic and asyncio are imported on use: `hermes plugins list` needs neither
    from concurrent.futures import ThreadPoolExecutor

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


class ToolArgumentError(HermesError, ValueError):
    pass


_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,),
    "array": (list,),
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "null": (type(None),),
}


def basic_schema_problem(schema: Any, value: Any, where: str) -> str | None:
    """The first violation of ``type``, ``required``, ``properties``, ``items`` and ``enum`` (what tool
    schemas use), for when ``jsonschema`` is not installed; ``None`` when ``value`` passes."""
    if not isinstance(schema, dict):
        return None
    kinds = schema.get("type")
    if kinds is not None:
        names = [kinds] if isinstance(kinds, str) else list(kinds)
        allowed = tuple(t for n in names for t in _JSON_TYPES.get(n, (object,)))
        is_bool = isinstance(value, bool) and "boolean" not in names
        if not isinstance(value, allowed) or is_bool:
            return f"{where}: {value!r} is not of type {' or '.join(map(repr, names))}"
    if "enum" in schema and value not in schema["enum"]:
        return f"{where}: {value!r} is not one of {schema['enum']!r}"
    if isinstance(value, int | float) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            return f"{where}: {value!r} is less than the minimum of {schema['minimum']!r}"
        if "maximum" in schema and value > schema["maximum"]:
            return f"{where}: {value!r} is greater than the maximum of {schema['maximum']!r}"
    if isinstance(value, dict):
        for key in schema.get("required", ()):
            if key not in value:
                return f"{where}: {key!r} is a required property"
        properties = schema.get("properties", {})
        for key, item in value.items():
            if key in properties:
                problem = basic_schema_problem(properties[key], item, key)
                if problem:
                    return problem
            elif schema.get("additionalProperties") is False:
                return f"{where}: additional property {key!r} is not allowed"
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        for index, item in enumerate(value):
            problem = basic_schema_problem(schema["items"], item, f"{where}.{index}")
            if problem:
                return problem
    return None


def to_json_result(value: Any) -> str:
    """A handler's return value as the JSON string the model sees."""
    if isinstance(value, str):
        try:
            json.loads(value)
            return value
        except ValueError:
            return json.dumps({"output": value}, ensure_ascii=False)
    return json.dumps(value, ensure_ascii=False, default=str)


def error_result(message: str) -> str:
    return json.dumps({"error": message}, ensure_ascii=False)


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

    def _prepare(self, name: str, args: Any) -> tuple[Tool, dict[str, Any]]:
        if name not in self:
            raise ToolArgumentError(f"unknown tool {name!r}; available: {', '.join(self.names()) or 'none'}")
        tool = self.get(name)
        reason = tool.unavailable_reason()  # imports what was registered lazily
        if reason:
            raise ToolArgumentError(f"tool {name!r} is unavailable: {reason}")
        if isinstance(args, str):
            try:
                args = json.loads(args) if args.strip() else {}
            except ValueError as exc:
                raise ToolArgumentError(f"arguments for {name} are not valid JSON: {exc}") from None
        if args is None:
            args = {}
        if not isinstance(args, dict):
            raise ToolArgumentError(f"arguments for {name} must be a JSON object, got {type(args).__name__}")
        return tool, tool.validate(args)

    def handle_function_call(self, name: str, args: Any, task_id: str | None = None) -> str:
        """Run tool ``name`` synchronously; always a JSON string."""
        import inspect

        try:
            tool, valid = self._prepare(name, args)
            result = tool.handler(valid, task_id)
            if inspect.isawaitable(result):
                import asyncio

                result = asyncio.run(_await(result))
            return to_json_result(result)
        except ToolArgumentError as exc:
            return error_result(str(exc))
        except Exception as exc:
            return error_result(f"{name} failed: {type(exc).__name__}: {exc}")

    async def ahandle_function_call(self, name: str, args: Any, task_id: str | None = None) -> str:
        """Async dispatch: async handlers are awaited, sync ones run in :func:`tool_executor`."""
        import asyncio
        import inspect
        from functools import partial

        try:
            tool, valid = self._prepare(name, args)
            if inspect.iscoroutinefunction(tool.handler):
                call = tool.handler(valid, task_id)
            else:
                call = asyncio.get_running_loop().run_in_executor(
                    tool_executor(), partial(tool.handler, valid, task_id)
                )
            deadline = asyncio.timeout(tool.timeout) if tool.timeout else None
            try:
                if deadline is None:
                    result = await call
                else:
                    async with deadline:
                        result = await call
                if inspect.isawaitable(result):
                    result = await result
            except TimeoutError:
                if deadline is not None and deadline.expired():  # ours, not the handler's own
                    return error_result(f"{name} timed out after {tool.timeout:g}s")
                raise
            return to_json_result(result)
        except ToolArgumentError as exc:
            return error_result(str(exc))
        except Exception as exc:
            return error_result(f"{name} failed: {type(exc).__name__}: {exc}")


_executor: ThreadPoolExecutor | None = None
_executor_lock = threading.Lock()


def tool_executor() -> ThreadPoolExecutor:
    """One bounded pool per process (``HERMES_TOOL_WORKERS``, default 32) for every sync tool handler.

    asyncio's default executor has ``cpu_count + 4`` threads: on a 2-core trainer, 6 terminal commands at
    once for hundreds of concurrent rollouts.
    """
    if _executor is None:
        set_tool_workers(int(os.environ.get("HERMES_TOOL_WORKERS") or 32))
    return _executor


def set_tool_workers(workers: int) -> None:
    """Size the shared tool executor (an RL environment's ``tool_pool_size``); running calls finish."""
    global _executor
    from concurrent.futures import ThreadPoolExecutor

    with _executor_lock:
        if _executor is not None and _executor._max_workers == max(1, workers):
            return
        previous = _executor
        _executor = ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="hermes-tool")
    if previous is not None:
        previous.shutdown(wait=False)


async def _await(awaitable):
    return await awaitable


__all__ = [
    "Entry",
    "Tool",
    "ToolArgumentError",
    "ToolRegistry",
    "error_result",
    "to_json_result",
    "set_tool_workers",
    "tool_executor",
]
