"""The agent loop's lifecycle hooks: what a plugin may implement to watch or shape a run.

Declared by this plugin through ``register_hookspecs`` (as the web tools declare theirs), so the core's
map (:mod:`hermes_core.hookspecs`) holds only the core's extension points. Named as hermes-agent names
them. An implementation may be sync or ``async def`` and may accept any subset of the arguments listed.
``run`` is the run's :class:`~hermes_agent_loop.hooks.RunInfo` (``task_id``, ``model``, ``turn``, and
``state``: a dict a plugin may keep per-run data in, keyed by its own name).

Each implementation runs under a deadline (setting ``agent.hook_timeout``, default
:data:`~hermes_agent_loop.hooks.DEFAULT_HOOK_TIMEOUT` seconds). One that raises (``SystemExit`` and
other ``BaseException`` included; only the user's Ctrl-C stops the run) or overruns is recorded against
its plugin (``hermes plugins list`` shows the error) and the run goes on as if it had returned ``None``.
With no plugin implementing a hook, the loop does not call it at all. Wrappers are refused: each
implementation is called in turn (``tryfirst`` / ``trylast`` set the order).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hermes_core.hookspecs import hookspec

if TYPE_CHECKING:
    from hermes_agent_loop.hooks import RunInfo
    from hermes_agent_loop.loop import AgentResult

__all__ = ["LIFECYCLE_HOOKS"]


@hookspec
def on_run_start(run: RunInfo) -> None:
    """A run begins (before the first model call); ``run.messages`` holds the starting conversation."""


@hookspec
def pre_llm_call(run: RunInfo, request: dict[str, Any]) -> dict[str, Any] | None:
    """Before each model call: ``request`` holds the ``chat.completions.create`` keyword arguments.

    Change it in place, or return a dict whose keys replace the request's (``{"temperature": 0}``).
    The saved trajectory is not changed, only what is sent.
    """


@hookspec
def post_llm_call(run: RunInfo, request: dict[str, Any], response: Any, error: str | None) -> None:
    """After each model call (retries included): the ``response`` (``None`` on failure) or ``error``."""


@hookspec
def pre_tool_call(
    run: RunInfo, tool_name: str, arguments: dict[str, Any], call_id: str
) -> dict[str, Any] | None:
    """Before a tool runs: return ``{"arguments": {...}}`` to run it with other arguments, or
    ``{"action": "block", "message": "why"}`` to refuse it; the model then sees ``{"error": message}``
    as the result (a guard, a budget, a sandbox policy)."""


@hookspec
def post_tool_call(
    run: RunInfo,
    tool_name: str,
    arguments: dict[str, Any],
    result: str,
    error: str | None,
    seconds: float,
    call_id: str,
) -> None:
    """After a tool ran (or was refused): its JSON ``result`` and the ``error`` message, if any; for
    reward shaping from tool outcomes and logging."""


@hookspec
def transform_tool_result(
    run: RunInfo, tool_name: str, arguments: dict[str, Any], result: str, call_id: str
) -> str | None:
    """Return a string to replace the result the model sees (redaction, compression); ``None`` keeps it.

    Several implementations chain: each sees the previous one's replacement.
    """


@hookspec
def on_run_end(run: RunInfo, result: AgentResult) -> None:
    """A run ended: ``result`` is the whole :class:`~hermes_agent_loop.AgentResult` (messages, metrics,
    usage, ``stop_reason``, ``error``)."""


@hookspec
def pre_trajectory_write(record: dict[str, Any]) -> dict[str, Any] | None:
    """A trajectory record (``hermes run --save-trajectory``, ``hermes batch``) before it is written:
    change it in place or return a replacement (add a reward, drop a field); secrets are masked after."""


LIFECYCLE_HOOKS: tuple[str, ...] = (
    "on_run_start",
    "pre_llm_call",
    "post_llm_call",
    "pre_tool_call",
    "post_tool_call",
    "transform_tool_result",
    "on_run_end",
    "pre_trajectory_write",
)
"""The hooks above in the order of a run; ``RunHooks`` and the conformance kit use it."""
