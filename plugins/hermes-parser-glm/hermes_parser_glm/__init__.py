"""hermes plugin: GLM-4.5/4.6 (``glm45``, alias ``glm4_moe``) and GLM-4.7 (``glm47``) tool-call parsers."""

from __future__ import annotations

from hermes_core import hookimpl


@hookimpl
def register_tool_call_parsers(register):
    from hermes_parser_glm.parser import Glm45Parser, Glm47Parser

    register(Glm45Parser)
    register(Glm47Parser)
