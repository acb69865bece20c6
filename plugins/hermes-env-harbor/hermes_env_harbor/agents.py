"""The agents a trial can run: ``oracle``, ``nop``, ``hermes``, and any a plugin registers.

A plugin adds one with the ``register_harbor_agents`` hook (declared by this plugin, see
:mod:`hermes_env_harbor.hookspecs`)::

    @hookimpl
    def register_harbor_agents(register):
        register("my_plugin.agent:MyAgent", name="mine", description="...")

An agent is a class with ``run(context) -> dict``, called in a worker thread once per trial, after the
sandbox started and before the tests are copied in. It acts in ``context.sandbox`` (or through the core's
tools with ``context.task_id``); the dict it returns (a trajectory, metrics) is saved with the trial.
While it runs, every command of that sandbox runs as the task's ``[agent] user`` (as Harbor's default
user of the agent phase), unless the class sets ``picks_users = True`` and chooses itself.
It raises :class:`~hermes_env_harbor.task.TrialError` (``agent_timeout``, ``agent_failed``) to fail the
trial's agent phase; the verifier still runs, as Harbor grades after such errors, but the trial's reward
stays empty.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from hermes_core.terminal import Sandbox, SandboxError
from hermes_env_harbor import sandbox as box
from hermes_env_harbor.task import HarborTask, TrialError

ORACLE_LOG = box.AGENT_LOGS / "oracle.txt"
DEFAULT_TOOLSETS = ("terminal", "file")
SYSTEM_PROMPT = (
    "You are working in a terminal inside a container. Use the terminal and file tools to complete the "
    "task; when it is done, reply with a short summary and no tool call."
)


@dataclass
class AgentContext:
    task: HarborTask
    sandbox: Sandbox
    task_id: str
    """The trial's id in the core's sandbox table: the core's tools given it act in this sandbox."""
    logs_dir: Path | None
    """The trial's ``agent/`` folder on the host, for anything the agent wants kept (``None``: not saved)."""
    options: dict[str, Any] = field(default_factory=dict)
    """The job's agent options (``model``, ``base_url``, ``api_key``, ``max_turns``, ``toolsets``, ...)."""

    @property
    def timeout(self) -> float | None:
        return self.task.agent_timeout_sec


class HarborAgent:
    """Base of trial agents (see the module docstring)."""

    name: ClassVar[str] = ""
    picks_users: ClassVar[bool] = False
    """``True``: the trial leaves the sandbox's commands as root and the agent runs each as it must."""

    def run(self, context: AgentContext) -> dict[str, Any]:
        raise NotImplementedError


class NopAgent(HarborAgent):
    """Does nothing: the tests see the environment as built (a task whose tests pass is broken)."""

    name = "nop"

    def run(self, context: AgentContext) -> dict[str, Any]:
        return {}


class OracleAgent(HarborAgent):
    """Runs the task's reference solution: ``solution/`` copied to ``/solution``, then ``solve.sh``.

    As Harbor's ``OracleAgent``: ``chmod +x``, ``DEBIAN_FRONTEND=noninteractive`` plus ``[solution.env]``,
    output to ``/logs/agent/oracle.txt``, under ``[agent] timeout_sec``; a non-zero exit is not an error
    (the verifier decides).
    """

    name = "oracle"
    picks_users = True  # chmod as root, solve.sh as [agent] user: Harbor's OracleAgent

    def run(self, context: AgentContext) -> dict[str, Any]:
        task, sandbox = context.task, context.sandbox
        if not (task.solution_dir / "solve.sh").is_file():
            raise TrialError("solution_missing", f"task {task.name}: no solution/solve.sh for the oracle")
        try:
            box.upload(sandbox, box.archive([(task.solution_dir, box.SOLUTION)]))
        except SandboxError as exc:
            raise TrialError("agent_failed", f"task {task.name}: copying solution/ failed: {exc}") from exc
        env = {"DEBIAN_FRONTEND": "noninteractive", **task.solution_env}
        ran = box.run_script(
            sandbox, box.SOLUTION / "solve.sh", ORACLE_LOG, context.timeout, user=task.agent_user, env=env
        )
        if ran.timed_out:
            raise TrialError("agent_timeout", f"task {task.name}: solve.sh ran past {context.timeout:g}s")
        return {"exit_code": ran.exit_code, "log": ran.files.get(ORACLE_LOG.name, "")}


class HermesAgent(HarborAgent):
    """The hermes agent loop with the terminal and file tools bound to the trial's sandbox.

    ``instruction.md`` is the user message; the endpoint and model come as in ``hermes run`` (``--model``,
    ``--base-url``, ``--api-key``, else ``HERMES_MODEL`` / ``OPENAI_BASE_URL`` / config). The ShareGPT
    record (as ``hermes run --save-trajectory`` writes it) and the conversation are returned.
    """

    name = "hermes"

    def run(self, context: AgentContext) -> dict[str, Any]:
        from hermes_agent_loop.cli.settings import RunSettings

        options = dict(context.options)
        options["toolsets"] = options.get("toolsets") or ",".join(DEFAULT_TOOLSETS)
        options.setdefault("system", SYSTEM_PROMPT)
        settings = RunSettings.from_flags(**options)
        tools = settings.tools()
        started = time.perf_counter()
        try:
            result = asyncio.run(self._run(settings, tools, context))
        except TimeoutError:
            raise TrialError(
                "agent_timeout", f"task {context.task.name}: the agent ran past {context.timeout:g}s"
            ) from None
        return {
            "model": settings.model,
            "messages": result.messages,
            "tools": tools,
            "result": result.to_dict(),
            "seconds": round(time.perf_counter() - started, 3),
            "error": result.error,
            "ephemeral_system_prompt": settings.ephemeral_system_prompt,
        }

    @staticmethod
    async def _run(settings: Any, tools: Any, context: AgentContext) -> Any:
        client = settings.client()
        try:
            loop = settings.loop(client, tools, context.task_id)
            messages = settings.messages(context.task.instruction)
            return await asyncio.wait_for(loop.run(messages), context.timeout)
        finally:
            await client.close()


BUILTIN = {"oracle": OracleAgent, "nop": NopAgent, "hermes": HermesAgent}


def agent_class(name: str) -> type[HarborAgent]:
    """The agent registered as ``name`` (built-in or from a plugin); a one-line error listing the others."""
    from hermes_core.plugins import get_hermes
    from hermes_core.registry import HermesError

    registry = get_hermes().registry("harbor_agents")
    if name in registry:
        return registry.get(name)
    if name in BUILTIN:  # this plugin not loaded through entry points (a test host, say)
        return BUILTIN[name]
    known = ", ".join(sorted({*registry.names(), *BUILTIN}))
    raise HermesError(f"unknown agent {name!r}; available: {known}")
