"""The core's own plugin: its settings, and composite toolsets that grow as tool plugins are installed.

The core declares its settings exactly as a plugin does (``register_settings``); :mod:`hermes_core.config`
also reads :data:`CORE_SETTINGS` directly, so that the keys needed before plugins load
(``plugins.disabled``) never wait for them.
"""

from __future__ import annotations

from hermes_core.hookspecs import hookimpl
from hermes_core.settings import Setting, positive
from hermes_core.toolsets import Toolset

DEFAULT_TOOLSET = "default"

DEFAULT_ENV_ALLOW = (
    "PATH", "HOME", "USER", "LOGNAME", "SHELL", "LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "TERM", "TZ",
    "TMPDIR",
)  # fmt: skip
"""What a sandbox inherits from hermes's environment (setting ``terminal.env_allow``): nothing that could
hold a key."""

CORE_SETTINGS: tuple[Setting, ...] = (
    Setting("model.name", env="HERMES_MODEL", help="Model name sent to the endpoint."),
    Setting(
        "model.base_url", env="OPENAI_BASE_URL", help="OpenAI-compatible endpoint, e.g. http://host:8000/v1."
    ),
    Setting("model.api_key", env="OPENAI_API_KEY", secret=True, help="Endpoint key."),
    Setting(
        "model.tool_call_parser",
        registry="parsers",
        help="Parse tool calls from raw text with this parser (for servers that do not).",
    ),
    Setting("model.temperature", float, minimum=0, help="Sampling temperature."),
    Setting("model.max_tokens", int, minimum=1, help="Completion token limit per turn."),
    Setting(
        "terminal.backend",
        env="TERMINAL_ENV",
        default="local",
        registry="backends",
        help="Terminal backend (installed plugins provide them).",
    ),
    Setting(
        "terminal.timeout",
        float,
        env="TERMINAL_TIMEOUT",
        default=180.0,
        check=positive,
        help="Seconds before a command is killed.",
    ),
    Setting("terminal.cwd", env="TERMINAL_CWD", help="Working directory inside the sandbox."),
    Setting(
        "terminal.pool_max",
        int,
        env="TERMINAL_POOL_MAX",
        default=0,
        minimum=0,
        help="Pool any backend: this many warm sandboxes reused across tasks (0: one per task).",
    ),
    Setting(
        "terminal.env_allow",
        list,
        env="TERMINAL_ENV_ALLOW",
        default=list(DEFAULT_ENV_ALLOW),
        help="Environment variables a sandbox inherits (NAME or PREFIX*); nothing else, no keys.",
    ),
    Setting("toolsets", list, default=["default"], registry="toolsets", help="Toolsets offered."),
    Setting("plugins.disabled", list, default=[], help="Plugins not to load."),
)


@hookimpl
def register_settings(register):
    for setting in CORE_SETTINGS:
        register(setting)


@hookimpl
def register_toolsets(register):
    register(
        Toolset(
            name=DEFAULT_TOOLSET,
            optional_includes=("terminal", "file", "web"),
            description="Everything a general agent needs: terminal, files and web, where installed.",
        )
    )
    register(
        Toolset(
            name="research",
            optional_includes=("web", "file"),
            description="Read the web and write notes, no shell.",
        )
    )
