"""hermes-env-harbor: Harbor task directories (Terminal-Bench 2's format) run, scored and trained on.

Everything heavy (the docker SDK, the agent loop, the environment contract) is imported when a command
or a trial runs, never when the plugin loads.
"""

from __future__ import annotations

from hermes_core.hookspecs import hookimpl

__version__ = "0.1.0"


@hookimpl
def register_hookspecs(register):
    from hermes_env_harbor import hookspecs

    register(hookspecs)  # register_harbor_agents: other plugins add agents for `hermes tasks run`


@hookimpl
def register_harbor_agents(register):
    register("hermes_env_harbor.agents:OracleAgent", name="oracle", description="Runs solution/solve.sh.")
    register("hermes_env_harbor.agents:NopAgent", name="nop", description="Does nothing.")
    register("hermes_env_harbor.agents:HermesAgent", name="hermes", description="The hermes agent loop.")


@hookimpl
def register_commands(cli):
    cli.add_lazy_command("tasks", "hermes_env_harbor.cli:tasks", "Run and score Harbor task directories.")


@hookimpl
def register_environments(register):
    register(
        "hermes_env_harbor.environment:HarborEnvironment",
        name="harbor",
        description="Harbor task directories: one group = rollouts of one task, scored by its tests.",
    )
