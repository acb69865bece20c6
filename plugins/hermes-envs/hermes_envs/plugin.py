"""The environment plugin's hooks: ``hermes env`` (registered lazily: atroposlib loads on use)."""

from __future__ import annotations

from hermes_core.hookspecs import hookimpl


@hookimpl
def register_commands(cli):
    cli.add_lazy_command("env", "hermes_envs.cli:env", "List and run RL environments (atroposlib).")
