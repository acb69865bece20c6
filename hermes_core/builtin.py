"""The core's own plugin: composite toolsets that grow as tool plugins are installed."""

from __future__ import annotations

from hermes_core.hookspecs import hookimpl
from hermes_core.toolsets import Toolset

DEFAULT_TOOLSET = "default"


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
