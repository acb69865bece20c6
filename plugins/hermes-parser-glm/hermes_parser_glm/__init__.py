"""hermes plugin: GLM-4.5/4.6 (``glm45``) and GLM-4.7 (``glm47``) tool-call parsers."""

from __future__ import annotations

from hermes_core import hookimpl
from hermes_parser_glm.parser import Glm45Parser, Glm47Parser
from hermes_parser_glm.samples import SAMPLE_COMPLETIONS

__all__ = ["SAMPLE_COMPLETIONS", "Glm45Parser", "Glm47Parser"]


@hookimpl
def register_tool_call_parsers(register):
    register(Glm45Parser)
    register(Glm47Parser)
