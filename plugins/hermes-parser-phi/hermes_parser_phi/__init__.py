"""hermes plugin: the Phi-4-mini tool-call parser (``phi4_mini_json``)."""

from __future__ import annotations

from hermes_core import hookimpl


@hookimpl
def register_tool_call_parsers(register):
    register(
        "hermes_parser_phi.parser:Phi4MiniJsonParser",
        name="phi4_mini_json",
        aliases=("phi4_mini", "phi4mini"),
    )
