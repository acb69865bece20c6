"""The plugin's hook: ``hermes serve``, registered lazily (loading the plugin imports no web stack)."""

from __future__ import annotations

from hermes_core.hookspecs import hookimpl


@hookimpl
def register_commands(cli):
    cli.add_lazy_command(
        "serve",
        "hermes_serve.cli:serve",
        "OpenAI-compatible proxy: tool calls written as text become real tool_calls.",
    )
