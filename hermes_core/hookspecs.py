"""The map of hermes: every extension point a plugin can implement.

A plugin is a module (or object) exposed through an entry point in group ``hermes``::

    [project.entry-points.hermes]
    qwen = "hermes_parser_qwen"

and implements any of the hooks below with ``@hermes_core.hookimpl``. Every ``register_*`` hook receives
a ``register`` callback instead of returning a list, so the core knows which plugin supplied each item,
refuses a name clash naming both plugins, and can accept a lazy ``"module:attribute"`` string so that
heavy code (SDKs, atroposlib) is imported only when that item is used (parser hooks instead run late).

A hook may raise: the plugin is then reported as failed, everything it registered is undone, and the
other plugins go on (``hermes plugins list`` shows why).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

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

    ``register(ParserClass)``, the class imported inside the hook: it runs when the parser registry is
    first read, not at load. A parser subclasses :class:`hermes_core.parsing.ToolCallParser`: its names
    are its own ``name`` (canonical, snake_case) and ``aliases``; ``parse(text) -> ParsedCompletion``
    never raises. A format that is another's under new names registers a subclass that sets only those.
    """


@hookspec
def register_reasoning_parsers(register: Callable[..., None]) -> None:
    """Register parsers that split a completion's reasoning from its answer (``reasoning_content``).

    ``register(ParserClass)`` as for tool-call parsers (imported inside the hook, run at first read); a
    parser subclasses :class:`hermes_core.reasoning.ReasoningParser`, its ``name`` and ``aliases`` as
    vLLM's ``--reasoning-parser`` names them: ``extract(text) -> (reasoning, content)`` that never raises,
    and ``stream()`` whose deltas joined equal it. The tool-call parser then reads the content only
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
    """Register RL environments: ``hermes_envs.contract.Environment`` subclasses (trainer-independent;
    atroposlib, OpenEnv and TRL reach them through hermes-envs' adapters), or atroposlib ``BaseEnv``
    subclasses for ``hermes env run`` alone.

    Always lazily: ``register("module:EnvClass", name="gsm8k", description=...)``. ``hermes env list`` /
    ``run`` / ``serve`` use them.
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

# Lifecycle hooks (``on_run_start``, ``pre_llm_call``, ``pre_tool_call``, ``transform_tool_result``,
# ``on_run_end``, ``pre_trajectory_write``, ...) are the agent loop's, not the core's: the
# ``hermes-agent-loop`` plugin declares them through ``register_hookspecs`` and documents them, with their
# types and deadline, in ``hermes_agent_loop/hookspecs.py``.
