"""DSML cases SGLang's tests document and vLLM's do not (sglang test/registered/unit/function_call/
test_function_call_parser.py): self-closing zero-argument invokes, and DSML quoted in a code fence."""

import pytest

from hermes_core.plugins import get_hermes
from hermes_testkit.parser_helpers import assert_cuts_match_parse
from hermes_testkit.parser_helpers import decoded_calls as calls

V4 = "<｜DSML｜tool_calls>\n{}\n</｜DSML｜tool_calls>"
WEATHER = (
    '<｜DSML｜invoke name="get_weather">\n<｜DSML｜parameter name="location" string="true">NYC'
    "</｜DSML｜parameter>\n</｜DSML｜invoke>"
)


def parser(name="deepseek_v4"):
    return get_hermes().parser(name)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # SGLang ::test_self_closing_zero_arg_invoke
        (V4.format('<｜DSML｜invoke name="get_time"/>'), [("get_time", {})]),
        (V4.format('<｜DSML｜invoke name="get_time" />'), [("get_time", {})]),
        # SGLang ::test_self_closing_mixed_with_long_form
        (
            V4.format(WEATHER + '\n<｜DSML｜invoke name="get_time"/>'),
            [("get_weather", {"location": "NYC"}), ("get_time", {})],
        ),
        # SGLang ::test_detect_and_parse_no_parameters (the long form with no parameter tags)
        (V4.format('<｜DSML｜invoke name="get_time">\n</｜DSML｜invoke>'), [("get_time", {})]),
    ],
)
def test_self_closing_invokes(text, expected):
    assert calls(parser().parse(text)) == expected
    assert_cuts_match_parse(parser(), text, seed=5)


def test_dsml_in_a_code_fence_does_not_execute():
    """SGLang's DeepSeekV4Detector masks code literals before it looks for invokes: a quoted example
    is content."""
    example = "Here is the syntax:\n```\n" + V4.format(WEATHER) + "\n```\nUse it wisely."
    parsed = parser().parse(example)
    assert parsed.tool_calls == [] and parsed.content == example
    assert_cuts_match_parse(parser(), example, seed=5)


def test_a_real_call_after_a_fenced_example_still_runs():
    text = "Syntax:\n```\n<｜DSML｜tool_calls>\n```\nNow:\n" + V4.format('<｜DSML｜invoke name="get_time"/>')
    parsed = parser().parse(text)
    assert calls(parsed) == [("get_time", {})]
    assert parsed.content == "Syntax:\n```\n<｜DSML｜tool_calls>\n```\nNow:"


def test_v32_function_calls_block_in_a_fence_is_content_too():
    block = (
        '<｜DSML｜function_calls>\n<｜DSML｜invoke name="get_time">\n'
        "</｜DSML｜invoke>\n</｜DSML｜function_calls>"
    )
    text = "```xml\n" + block + "\n```"
    assert parser("deepseek_v32").parse(text).tool_calls == []
    assert calls(parser("deepseek_v32").parse(block)) == [("get_time", {})]
