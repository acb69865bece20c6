"""The map of hermes: every extension point a plugin can implement.

A plugin is a module (or object) exposed through an entry point in group ``hermes``::

    [project.entry-points.hermes]
    qwen = "hermes_parser_qwen"

and implements any of the hooks below with ``@hermes_core.hookimpl``. Every ``register_*`` hook receives
a ``register`` callback instead of returning a list, so the core knows which plugin supplied each item,
refuses a name clash naming both plugins, and can accept a lazy ``"module:attribute"`` string so that
heavy code (SDKs, atroposlib) is imported only when that item is used.

A hook may raise: the plugin is then reported as failed, everything it registered is undone, and the
other plugins go on (``hermes plugins list`` shows why).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    import click

    from hermes_core.settings import Setting
    from hermes_core.tools import Tool
    from hermes_core.toolsets import Toolset

PROJECT = "hermes"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def register_tools(register: Callable[[Tool], None]) -> None:
    """Register tools the agent can call.

    ``register(Tool(name=..., description=..., parameters=..., handler=...))``: ``parameters`` is a
    pydantic model or a JSON schema; ``handler(args: dict, task_id: str | None)`` returns anything
    JSON-serialisable (or a JSON string), sync or async; both may be given as ``"module:attribute"``
    strings so the tool's module is imported on first call. ``requires_env`` / ``requires_packages`` /
    ``check_requirements`` decide whether the tool is *available*; an unavailable tool is listed with
    its reason and never offered to a model. Stateful tools keep their state per ``task_id``.
    """


@hookspec
def register_toolsets(register: Callable[[Toolset], None]) -> None:
    """Register named groups of tools.

    ``register(Toolset(name=..., tools=[...], includes=[...]))``: ``includes`` names other toolsets and
    is resolved recursively (a cycle is an error naming it); ``optional_includes`` are included only
    when some plugin provides them, which is how composite toolsets grow as plugins are installed.
    """


@hookspec
def register_tool_call_parsers(register: Callable[..., None]) -> None:
    """Register parsers that turn a raw completion into OpenAI-style tool calls.

    ``register(ParserClass)`` or ``register("module:ParserClass", name="qwen", aliases=("qwen2_5",))``;
    a parser subclasses :class:`hermes_core.parsing.ToolCallParser`: a canonical snake_case ``name``,
    optional ``aliases``, ``parse(text) -> ParsedCompletion`` that never raises.
    """


@hookspec
def register_reasoning_parsers(register: Callable[..., None]) -> None:
    """Register parsers that split a completion's reasoning from its answer (``reasoning_content``).

    ``register(ParserClass)`` or ``register("module:ParserClass", name="qwen3")``, named as vLLM's
    ``--reasoning-parser`` names them; a parser subclasses :class:`hermes_core.reasoning.ReasoningParser`:
    ``extract(text) -> (reasoning, content)`` that never raises, and ``stream()`` whose deltas joined
    equal it. The tool-call parser then reads the content only
    (:func:`hermes_core.reasoning.split_reasoning`).
    """


@hookspec
def register_terminal_backends(register: Callable[..., None]) -> None:
    """Register terminal backends (``local``, ``ssh``, ``docker``, ``modal``, ``singularity``, ...).

    ``register(BackendClass)`` or ``register("module:BackendClass", name="docker")``; a backend subclasses
    :class:`hermes_core.terminal.TerminalBackend` and creates one :class:`~hermes_core.terminal.Sandbox`
    per task. Import SDKs inside ``create``, not at module level.
    """


@hookspec
def register_environments(register: Callable[..., None]) -> None:
    """Register RL environments: atroposlib ``BaseEnv`` subclasses.

    Always lazily: ``register("module:EnvClass", name="gsm8k", description=...)``, since importing
    atroposlib costs seconds. ``hermes env list`` / ``hermes env run NAME`` use them.
    """


@hookspec
def register_settings(register: Callable[[Setting], None]) -> None:
    """Declare configuration keys: ``register(Setting("terminal.modal.mode", env=..., default=...))``.

    A declared key can be set in ``config.yaml``, ``.env`` or its environment variable, is validated by
    ``hermes config set`` and listed by ``hermes config show``; read it with
    :func:`hermes_core.config.resolve`. See :mod:`hermes_core.settings` for the fields.
    """


@hookspec
def register_hookspecs(register: Callable[[object], None]) -> None:
    """Declare new hooks (pytest's ``addhooks``): ``register(module_or_class_with_hookspecs)``.

    Called before any plugin's implementations are checked, so plugins that sort earlier may implement
    the new hooks too. A declared ``register_<things>(register)`` hook gets a registry like the built-in
    ones (``host.registry("things")``: lazy ``"module:attr"`` entries, name clashes naming both plugins).
    Mark the specs with :data:`hookspec`.
    """


@hookspec
def register_commands(cli: click.Group) -> None:
    """Add sub-commands to the ``hermes`` command line (``@cli.command()`` on the group given)."""


ALL_HOOKS: tuple[str, ...] = tuple(
    name for name, value in dict(globals()).items() if name.startswith("register_") and callable(value)
)
"""Hook names in declaration order; ``hermes plugins list`` and the meta-tests use it."""


# ==================================================================================================
# Lifecycle hooks (issue 13): called by the agent loop during a run, not at load
# ==================================================================================================
#
# Named as hermes-agent names them. An implementation may be sync or ``async def``; it may accept any
# subset of the arguments listed. ``run`` is the run's :class:`hermes_agent_loop.hooks.RunInfo`
# (``task_id``, ``model``, ``turn``, and ``state``: a dict a plugin may keep per-run data in, keyed by
# its own name). A hook that raises is recorded against its plugin (``hermes plugins list`` shows the
# error) and the run goes on as if the hook had returned ``None``. With no plugin implementing a hook,
# the loop does not call it at all.


@hookspec
def on_run_start(run: Any) -> None:
    """A run begins (before the first model call); ``run.messages`` holds the starting conversation."""


@hookspec
def pre_llm_call(run: Any, request: dict[str, Any]) -> dict[str, Any] | None:
    """Before each model call: ``request`` holds the ``chat.completions.create`` keyword arguments.

    Change it in place, or return a dict whose keys replace the request's (``{"temperature": 0}``).
    The saved trajectory is not changed, only what is sent.
    """


@hookspec
def post_llm_call(run: Any, request: dict[str, Any], response: Any, error: str | None) -> None:
    """After each model call (retries included): the ``response`` (``None`` on failure) or ``error``."""


@hookspec
def pre_tool_call(run: Any, tool_name: str, arguments: dict[str, Any], call_id: str) -> dict[str, Any] | None:
    """Before a tool runs: return ``{"arguments": {...}}`` to run it with other arguments, or
    ``{"action": "block", "message": "why"}`` to refuse it; the model then sees ``{"error": message}``
    as the result (a guard, a budget, a sandbox policy)."""


@hookspec
def post_tool_call(
    run: Any,
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
    run: Any, tool_name: str, arguments: dict[str, Any], result: str, call_id: str
) -> str | None:
    """Return a string to replace the result the model sees (redaction, compression); ``None`` keeps it.

    Several implementations chain: each sees the previous one's replacement.
    """


@hookspec
def on_run_end(run: Any, result: Any) -> None:
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
ALL_HOOKS = (*ALL_HOOKS, *LIFECYCLE_HOOKS)  # registration hooks first, then the lifecycle ones
