"""The hook this plugin declares for others (pytest's ``addhooks``): agents for Harbor trials.

Registered through the core's ``register_hookspecs``; the host then keeps a ``harbor_agents`` registry
like its built-in ones (lazy ``"module:attr"`` entries, a name clash naming both plugins).
"""

from __future__ import annotations

from collections.abc import Callable

from hermes_core.hookspecs import hookspec


@hookspec
def register_harbor_agents(register: Callable[..., None]) -> None:
    """Register agents ``hermes tasks run --agent NAME`` can run in a Harbor trial.

    ``register(AgentClass)`` or ``register("module:AgentClass", name="mine", description=...)``; see
    :class:`hermes_env_harbor.agents.HarborAgent` for the contract (``run(context) -> dict``).
    """


register_harbor_agents.kind = "harbor agent"
