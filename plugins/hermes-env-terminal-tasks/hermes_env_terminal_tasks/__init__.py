"""hermes-env-terminal-tasks: file-creation tasks scored through ``ToolContext`` (registered lazily)."""

from __future__ import annotations

from hermes_core import hookimpl

__version__ = "0.1.0"


@hookimpl
def register_environments(register):
    register(
        "hermes_env_terminal_tasks.environment:TerminalTasks",
        name="terminal_tasks",
        description="Create files with given content in a sandbox; 1.0 exact, 0.5 contains, 0.0 otherwise.",
    )
