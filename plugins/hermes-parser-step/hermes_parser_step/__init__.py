"""hermes plugin: StepFun Step-3 (``step3``) and Step-3.5 (``step3p5``) tool-call parsers."""

from __future__ import annotations

from hermes_core import hookimpl


@hookimpl
def register_tool_call_parsers(register):
    register("hermes_parser_step.step3:Step3Parser", name="step3", aliases=("step-3",))
    register(
        "hermes_parser_step.step3p5:Step3p5Parser", name="step3p5", aliases=("step3.5", "step-3.5", "stepfun")
    )
