"""The agent plugin's hooks: ``hermes run``, ``hermes batch``, ``hermes chat`` and the lifecycle hooks.

Registered lazily, so loading this plugin imports neither openai nor the loop.
"""

from __future__ import annotations

from hermes_core.hookspecs import hookimpl
from hermes_core.settings import Setting, positive

COMMANDS = {
    "run": ("hermes_agent_loop.cli.run:run", "One agent run on a task."),
    "batch": ("hermes_agent_loop.cli.batch:batch", "Many agent runs from a JSONL file, resumable."),
    "chat": ("hermes_agent_loop.cli.chat:chat", "Chat with the agent interactively."),
}


SETTINGS = (
    Setting("agent.max_turns", int, default=30, minimum=1, help="Model calls per task before giving up."),
    Setting("agent.tool_timeout", float, check=positive, help="Seconds a tool call may take."),
    Setting("agent.max_context_tokens", int, minimum=1, help="Truncate tool output to fit this."),
    Setting("agent.system_prompt", help="System prompt for chat and run."),
    Setting(
        "agent.hook_timeout",
        float,
        default=10.0,
        minimum=0,
        help="Seconds one lifecycle hook may take before the run goes on without it (0: no limit).",
    ),
)


@hookimpl
def register_hookspecs(register):
    from hermes_agent_loop import hookspecs

    register(hookspecs)  # the lifecycle hooks are the loop's: the core's map holds its extension points


@hookimpl
def register_settings(register):
    for setting in SETTINGS:
        register(setting)


@hookimpl
def register_commands(cli):
    for name, (target, short_help) in COMMANDS.items():
        cli.add_lazy_command(name, target, short_help)
