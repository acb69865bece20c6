"""The agent plugin's hooks: ``hermes run``, ``hermes batch`` and ``hermes chat``.

Registered lazily, so loading this plugin imports neither openai nor the loop.
"""

from __future__ import annotations

from hermes_core.hookspecs import hookimpl

COMMANDS = {
    "run": ("hermes_agent_loop.cli.run:run", "One agent run on a task."),
    "batch": ("hermes_agent_loop.cli.batch:batch", "Many agent runs from a JSONL file, resumable."),
    "chat": ("hermes_agent_loop.cli.chat:chat", "Chat with the agent interactively."),
}


@hookimpl
def register_commands(cli):
    for name, (target, short_help) in COMMANDS.items():
        cli.add_lazy_command(name, target, short_help)
