"""hermes plugin: GLM-4.5/4.6 (``glm45``, alias ``glm4_moe``) and GLM-4.7 (``glm47``) tool-call parsers."""

from __future__ import annotations

from hermes_core import hookimpl

__all__ = ["SAMPLE_COMPLETIONS", "Glm45Parser", "Glm47Parser"]


def __getattr__(name: str):
    if name == "SAMPLE_COMPLETIONS":
        from hermes_parser_glm.samples import SAMPLE_COMPLETIONS

        return SAMPLE_COMPLETIONS
    if name in __all__:  # the parser module loads only when a GLM parser is used
        from hermes_parser_glm import parser

        return getattr(parser, name)
    raise AttributeError(name)


@hookimpl
def register_tool_call_parsers(register):
    register("hermes_parser_glm.parser:Glm45Parser", name="glm45", aliases=("glm4_moe",))
    register("hermes_parser_glm.parser:Glm47Parser", name="glm47", aliases=("ling3",))
