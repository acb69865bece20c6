"""Calling a tool: the one path every caller (the agent loop, ``hermes tools call``, environments) uses.

Arguments are decoded once, checked against the tool's schema once, the tool is bounded by one deadline,
a ``TimeoutError`` is blamed once (ours, or the handler's own failure), and the result is encoded once.
The answer is a :class:`ToolOutcome`: the JSON string the model sees plus what happened, so no caller
has to parse the result again to learn whether it was an error. Nothing here raises, except
cancellation: an unknown name, bad arguments, a missing requirement, a raise or a timeout all come back
as ``{"error": "..."}``.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from hermes_core.registry import HermesError

if TYPE_CHECKING:
    from concurrent.futures import ThreadPoolExecutor

__all__ = [
    "ToolArgumentError",
    "ToolOutcome",
    "basic_schema_problem",
    "call_tool",
    "call_tool_sync",
    "error_result",
    "set_tool_workers",
    "to_json_result",
    "tool_executor",
]

OK, UNKNOWN, UNAVAILABLE, INVALID, FAILED, TIMEOUT, BLOCKED = (
    "ok", "unknown", "unavailable", "invalid", "failed", "timeout", "blocked",
)  # fmt: skip
_SCHEMA_INVALID = frozenset({UNKNOWN, INVALID})


class ToolArgumentError(HermesError, ValueError):
    pass


@dataclass(slots=True)
class ToolOutcome:
    """One finished tool call: ``content`` is the JSON string the model sees; ``error`` its message when
    the call failed (or the tool answered ``{"error": ...}``); ``kind`` says how it ended."""

    name: str
    content: str
    error: str | None = None
    kind: str = OK
    seconds: float = 0.0
    schema_valid: bool = True

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def unknown(self) -> bool:
        return self.kind == UNKNOWN

    @property
    def timed_out(self) -> bool:
        return self.kind == TIMEOUT

    @classmethod
    def refused(cls, name: str, kind: str, message: str, seconds: float = 0.0) -> ToolOutcome:
        return cls(name, error_result(message), message, kind, seconds, kind not in _SCHEMA_INVALID)


# -- encoding --------------------------------------------------------------------------------------

_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,),
    "array": (list,),
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "null": (type(None),),
}
_JSON_STARTS = frozenset('{["-0123456789tfnNI')


def error_result(message: str) -> str:
    return json.dumps({"error": message}, ensure_ascii=False)


def encode_result(value: Any) -> tuple[str, str | None]:
    """``(json_string, error_message)`` for a handler's return value: encoded, or for a string parsed,
    once; a string that is not JSON becomes ``{"output": text}``."""
    if isinstance(value, str):
        start = value.lstrip()[:1]
        if start and start in _JSON_STARTS:
            try:
                return value, _error_in(json.loads(value))
            except (ValueError, RecursionError):
                pass
        return json.dumps({"output": value}, ensure_ascii=False), None
    try:
        return json.dumps(value, ensure_ascii=False, default=str), _error_in(value)
    except (ValueError, RecursionError) as exc:  # a cycle, or nesting deeper than json can write
        message = f"the result could not be encoded as JSON: {type(exc).__name__}"
        return error_result(message), message


def to_json_result(value: Any) -> str:
    """A handler's return value as the JSON string the model sees."""
    return encode_result(value)[0]


def _error_in(value: Any) -> str | None:
    if isinstance(value, dict) and value.get("error"):
        error = value["error"]
        return error if isinstance(error, str) else json.dumps(error, ensure_ascii=False, default=str)
    return None


def decode_arguments(name: str, arguments: Any) -> dict[str, Any]:
    """The arguments as a dict: a JSON object string is decoded, nothing is ``{}``."""
    if isinstance(arguments, str):
        try:
            arguments = json.loads(arguments) if arguments.strip() else {}
        except (ValueError, RecursionError) as exc:
            raise ToolArgumentError(f"arguments for {name} are not valid JSON: {exc}") from None
    if arguments is None:
        return {}
    if not isinstance(arguments, dict):
        raise ToolArgumentError(f"arguments for {name} must be a JSON object, got {type(arguments).__name__}")
    return arguments


def basic_schema_problem(schema: Any, value: Any, where: str) -> str | None:
    """The first violation of ``type``, ``required``, ``properties``, ``items``, ``enum`` and bounds (what
    tool schemas use); ``None`` when ``value`` passes. The schema check when ``jsonschema`` is not
    installed, and the ``schema_valid`` metric for a caller's own tool handler."""
    if not isinstance(schema, dict):
        return None
    kinds = schema.get("type")
    if kinds is not None:
        names = [kinds] if isinstance(kinds, str) else list(kinds)
        allowed = tuple(t for n in names for t in _JSON_TYPES.get(n, (object,)))
        is_bool = isinstance(value, bool) and "boolean" not in names and object not in allowed
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
        properties = schema.get("properties") or {}
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


def unknown_tool_message(name: str, known: Iterable[str]) -> str:
    return f"unknown tool {name!r}; available: {', '.join(sorted(known)) or 'none'}"


# -- calling ---------------------------------------------------------------------------------------

Handler = Callable[..., Any]
"""A caller's own dispatcher: ``handler(name, arguments, task_id)``, sync or async."""


@dataclass(slots=True)
class _Prepared:
    call: Callable[[], Any]
    is_async: bool
    timeout: float | None
    schema_valid: bool


def is_async_callable(fn: Any) -> bool:
    import inspect

    return inspect.iscoroutinefunction(fn) or inspect.iscoroutinefunction(getattr(fn, "__call__", None))  # noqa: B004


def _prepare(
    name: str,
    arguments: Any,
    task_id: str | None,
    registry: Any,
    handler: Handler | None,
    known: Iterable[str] | None,
    schema: dict[str, Any] | None,
) -> _Prepared | ToolOutcome:
    if known is not None and name not in known:
        return ToolOutcome.refused(name, UNKNOWN, unknown_tool_message(name, known))
    try:
        if handler is not None:
            args = decode_arguments(name, arguments)
            problem = basic_schema_problem(schema, args, "arguments") if schema else None
            call = _bind(handler, name, args, task_id)
            return _Prepared(call, is_async_callable(handler), None, problem is None)
        if registry is None or name not in registry:
            names = registry.names() if registry is not None else ()
            return ToolOutcome.refused(name, UNKNOWN, unknown_tool_message(name, names))
        tool = registry.get(name)
        reason = tool.unavailable_reason()  # imports what was registered lazily
        if reason:
            return ToolOutcome.refused(name, UNAVAILABLE, f"tool {name!r} is unavailable: {reason}")
        args = tool.validate(decode_arguments(name, arguments))
        call = _bind(tool.handler, args, task_id)
        return _Prepared(call, is_async_callable(tool.handler), tool.timeout, True)
    except ToolArgumentError as exc:
        return ToolOutcome.refused(name, INVALID, str(exc))


def _bind(fn: Callable[..., Any], *args: Any) -> Callable[[], Any]:
    return lambda: fn(*args)


def _failed(name: str, exc: BaseException, seconds: float) -> ToolOutcome:
    return ToolOutcome.refused(name, FAILED, f"{name} failed: {type(exc).__name__}: {exc}", seconds)


def _finish(name: str, value: Any, prepared: _Prepared, seconds: float) -> ToolOutcome:
    content, error = encode_result(value)
    return ToolOutcome(name, content, error, OK if error is None else FAILED, seconds, prepared.schema_valid)


async def call_tool(
    name: str,
    arguments: Any,
    *,
    task_id: str | None = None,
    registry: Any = None,
    handler: Handler | None = None,
    known: Iterable[str] | None = None,
    schema: dict[str, Any] | None = None,
    timeout: float | None = None,
) -> ToolOutcome:
    """Run tool ``name`` from ``registry`` (a :class:`~hermes_core.tools.ToolRegistry`), or through the
    caller's ``handler`` (then ``schema`` only feeds ``schema_valid``); never raises but cancellation.

    ``known`` limits the names a model may call. Sync handlers run in :func:`tool_executor`. The deadline
    is the shorter of ``timeout`` and the tool's own; only its expiry counts as a timeout: a handler that
    raises ``TimeoutError`` itself (a socket timeout inside a web tool) failed.
    """
    started = time.perf_counter()
    prepared = _prepare(name, arguments, task_id, registry, handler, known, schema)
    if isinstance(prepared, ToolOutcome):
        return prepared
    return await _execute(name, prepared, timeout, started)


async def _execute(name: str, prepared: _Prepared, timeout: float | None, started: float) -> ToolOutcome:
    """Run a prepared call under the shorter deadline, blaming a ``TimeoutError`` once."""
    import asyncio

    limit = min((t for t in (timeout, prepared.timeout) if t), default=None)
    deadline = asyncio.timeout(limit) if limit else None
    try:
        if deadline is None:
            value = await _start(prepared)
        else:
            async with deadline:
                value = await _start(prepared)
    except asyncio.CancelledError:
        raise
    except TimeoutError as exc:
        if deadline is not None and deadline.expired():
            seconds = time.perf_counter() - started
            return ToolOutcome.refused(name, TIMEOUT, f"{name} timed out after {limit:g}s", seconds)
        return _failed(name, exc, time.perf_counter() - started)
    except Exception as exc:
        return _failed(name, exc, time.perf_counter() - started)
    return _finish(name, value, prepared, time.perf_counter() - started)


async def _start(prepared: _Prepared) -> Any:
    import asyncio
    import inspect

    if prepared.is_async:
        value = await prepared.call()
    else:
        value = await asyncio.get_running_loop().run_in_executor(tool_executor(), prepared.call)
    if inspect.isawaitable(value):  # a sync-looking handler that returned a coroutine
        value = await value
    return value


def call_tool_sync(
    name: str, arguments: Any, *, task_id: str | None = None, registry: Any = None
) -> ToolOutcome:
    """:func:`call_tool` for synchronous callers (``hermes tools call``, scripts): a sync handler runs in
    this thread, an async one in a fresh event loop; the tool's deadline applies to async handlers."""
    import asyncio
    import inspect

    started = time.perf_counter()
    prepared = _prepare(name, arguments, task_id, registry, None, None, None)
    if isinstance(prepared, ToolOutcome):
        return prepared
    if prepared.is_async:
        return asyncio.run(_execute(name, prepared, None, started))
    try:
        value = prepared.call()
        if inspect.isawaitable(value):
            value = asyncio.run(_awaited(value))
    except Exception as exc:
        return _failed(name, exc, time.perf_counter() - started)
    return _finish(name, value, prepared, time.perf_counter() - started)


async def _awaited(awaitable: Any) -> Any:
    return await awaitable


# -- the shared executor ---------------------------------------------------------------------------

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
