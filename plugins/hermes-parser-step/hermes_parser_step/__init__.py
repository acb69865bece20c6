"""hermes plugin: StepFun Step-3 (``step3``) and Step-3.5 (``step3p5``) tool-call parsers."""

from __future__ import annotations

from hermes_core import hookimpl


@hookimpl
def register_tool_call_parsers(register):
    from hermes_parser_step.step3 import Step3Parser
    from hermes_parser_step.step3p5 import Step3p5Parser

    register(Step3Parser)
    register(Step3p5Parser)
