"""hermes batteries for acting in a sandbox: the ``terminal`` tool, the ``file`` tools, the ``local`` backend.

The tools run in ``hermes_core.sandboxes.sandbox_for(task_id)``, so they use whichever backend
``TERMINAL_ENV`` selects; handlers, argument models and the backend class are registered lazily.
"""

from __future__ import annotations

from hermes_core.hookspecs import hookimpl
from hermes_core.settings import Setting
from hermes_core.tools import Tool
from hermes_core.toolsets import Toolset

__version__ = "0.1.0"

TOOLS = (
    Tool(
        name="terminal",
        description=(
            "Run a shell command in this task's sandbox and get its output and exit code. Each call is a "
            "fresh shell started in the task's working directory; long-running commands are killed after "
            "`timeout` seconds (exit code 124)."
        ),
        handler="hermes_tools_terminal.tools:terminal",
        parameters="hermes_tools_terminal.tools:TerminalArgs",
        toolset="terminal",
    ),
    Tool(
        name="read_file",
        description="Read a text file from the task's sandbox, `limit` lines from line `offset`.",
        handler="hermes_tools_terminal.tools:read_file",
        parameters="hermes_tools_terminal.tools:ReadFileArgs",
        toolset="file",
    ),
    Tool(
        name="write_file",
        description="Create or overwrite a file in the task's sandbox with the given content.",
        handler="hermes_tools_terminal.tools:write_file",
        parameters="hermes_tools_terminal.tools:WriteFileArgs",
        toolset="file",
    ),
    Tool(
        name="patch",
        description=(
            "Edit a file by replacing an exact string. `old_string` must occur exactly once unless "
            "`replace_all` is set; include enough context to make it unique."
        ),
        handler="hermes_tools_terminal.tools:patch",
        parameters="hermes_tools_terminal.tools:PatchArgs",
        toolset="file",
    ),
    Tool(
        name="search_files",
        description=(
            "Search the task's sandbox: grep file contents for a regular expression (target='content') "
            "or find files by name glob (target='files')."
        ),
        handler="hermes_tools_terminal.tools:search_files",
        parameters="hermes_tools_terminal.tools:SearchArgs",
        toolset="file",
    ),
)


@hookimpl
def register_tools(register):
    for tool in TOOLS:
        register(tool)


@hookimpl
def register_toolsets(register):
    register(Toolset(name="terminal", tools=("terminal",), description="Run shell commands in a sandbox."))
    register(
        Toolset(
            name="file",
            tools=("read_file", "write_file", "patch", "search_files"),
            description="Read, write, patch and search files in the task's sandbox (any backend).",
        )
    )


@hookimpl
def register_terminal_backends(register):
    register(
        "hermes_tools_terminal.local:LocalBackend",
        name="local",
        description="This machine, one directory per task.",
    )


SETTINGS = (
    Setting("terminal.local.max_processes", int, env="TERMINAL_MAX_PROCESSES", minimum=1,
            help="RLIMIT_NPROC of local commands (counted per user, not per sandbox)."),
    Setting("terminal.local.max_memory_mb", int, env="TERMINAL_MAX_MEMORY_MB", minimum=1,
            help="Address-space limit of each local command, in MiB."),
    Setting("terminal.local.max_file_size_mb", int, env="TERMINAL_MAX_FILE_SIZE_MB", minimum=1,
            help="Largest file a local command may write, in MiB."),
    Setting("terminal.local.isolation", env="TERMINAL_LOCAL_ISOLATION", default="auto",
            choices=("auto", "bwrap", "none"),
            help="Run local commands in a bwrap PID namespace with ~/.hermes hidden: auto (when bwrap "
                 "works here), bwrap (required), none."),
)  # fmt: skip


@hookimpl
def register_settings(register):
    for setting in SETTINGS:
        register(setting)
