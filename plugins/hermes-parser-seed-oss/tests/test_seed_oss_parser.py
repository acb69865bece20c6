"""Seed-OSS parser: conformance and the cases of vLLM's suite."""

import pytest
from hermes_parser_seed_oss.parser import SeedOssParser

from hermes_testkit.parser_helpers import assert_cuts_match_parse, tool_definition
from hermes_testkit.parser_helpers import decoded_calls as calls
from hermes_testkit.parsers import ParserConformance, ParserSample

WEATHER_TOOLS = [
    tool_definition(
        "get_weather",
        {
            "location": {"type": "string"},
            "unit": {"type": "string"},
            "days": {"type": "integer"},
        },
    )
]
NO_BUDGET = (
    "<seed:tool_call>\n<function=get_weather>\n"
    "<parameter=location>Barcelona, Spain</parameter>\n</function>\n</seed:tool_call>"
)
THINK_512 = (
    "<seed:think>The user's current thinking budget is 512.</seed:cot_budget_reflect>\nLet me analyze the "
    "question. The user wants to know the weather in Barcelona, Spain.\n<seed:cot_budget_reflect>I have used "
    "131 tokens, and there are 381 tokens remaining for use.</seed:cot_budget_reflect>\n The unit parameter "
    "can be omitted since it's optional.</seed:think>\n"
)
THINK_QUOTING_THE_FORMAT = (
    "<seed:think>\nGot it. The format is <seed:tool_call>\n"
    "<function=get_weather>\n<parameter=location>Barcelona, "
    "Spain</parameter>\n<parameter=unit>celsius</parameter>\n</function>\n</seed:tool_call>. Let me go with "
    "that.</seed:think>"
)
CALL_WITH_UNIT = (
    "<seed:tool_call>\n<function=get_weather>\n<parameter=location>Barcelona, Spain</parameter>\n"
    "<parameter=unit>celsius</parameter>\n</function>\n</seed:tool_call>"
)
PARALLEL_TYPED = (
    "I'll check both.\n<seed:tool_call>\n<function=get_weather>\n<parameter=location>Tokyo</parameter>\n"
    "<parameter=days>3</parameter>\n</function>\n<function=get_weather>\n<parameter=location>Paris</parameter>\n"
    "<parameter=days>null</parameter>\n</function>\n</seed:tool_call>"
)


class TestSeedOssConformance(ParserConformance):
    parser_name = "seed_oss"
    samples = [
        ParserSample(NO_BUDGET, [("get_weather", {"location": "Barcelona, Spain"})], tools=WEATHER_TOOLS),
        ParserSample(
            THINK_512 + NO_BUDGET,
            [("get_weather", {"location": "Barcelona, Spain"})],
            content=THINK_512.rstrip(),
            tools=WEATHER_TOOLS,
        ),
        ParserSample(
            PARALLEL_TYPED,
            [
                ("get_weather", {"location": "Tokyo", "days": 3}),
                ("get_weather", {"location": "Paris", "days": None}),
            ],
            content="I'll check both.",
            tools=WEATHER_TOOLS,
        ),
    ]


# vLLM tests/tool_parsers/test_seed_oss_tool_parser.py::test_extract_tool_calls_no_tools
def test_no_tools():
    text = "This is a test response without any tool calls"
    assert SeedOssParser().parse(text).content == text


@pytest.mark.parametrize(
    ("text", "want", "content"),
    [
        (NO_BUDGET, {"location": "Barcelona, Spain"}, None),
        (THINK_512 + NO_BUDGET, {"location": "Barcelona, Spain"}, THINK_512.rstrip()),
        (
            THINK_QUOTING_THE_FORMAT + CALL_WITH_UNIT,
            {"location": "Barcelona, Spain", "unit": "celsius"},
            THINK_QUOTING_THE_FORMAT,
        ),
    ],
    ids=["tool_call_0_thinking_budget", "tool_call_512_thinkg_budget", "tool_call_unlimited_thinking_budget"],
)
def test_extract_tool_calls(text, want, content):
    """vLLM tests/tool_parsers/test_seed_oss_tool_parser.py::test_extract_tool_calls (vLLM keeps the
    trailing newline of the content)."""
    parsed = SeedOssParser().parse(text, tools=WEATHER_TOOLS)
    assert calls(parsed) == [("get_weather", want)]
    assert parsed.content == content


def test_values_without_schema_stay_text():
    text = (
        "<seed:tool_call><function=f><parameter=n>3</parameter><"
        "parameter=z>null</parameter></function></seed:tool_call>"
    )
    assert calls(SeedOssParser().parse(text)) == [("f", {"n": "3", "z": None})]
    assert calls(
        SeedOssParser().parse(
            text,
            tools=[tool_definition("f", {"n": {"type": "number"}})],
        )
    ) == [("f", {"n": 3, "z": None})]


def test_bare_functions_without_block_tag():
    """vLLM's back-off: no ``<seed:tool_call>`` tag, the whole text is searched for functions."""
    text = "Calling.\n<function=ping>\n<parameter=host>localhost</parameter>\n</function>"
    parsed = SeedOssParser().parse(text)
    assert calls(parsed) == [("ping", {"host": "localhost"})] and parsed.content == "Calling."


def test_multiline_value_loses_one_newline_each_side():
    text = (
        "<seed:tool_call><function=write><parameter=code>\n\ndef f"
        "():\n    pass\n\n</parameter></function></seed:tool_call>"
    )
    assert calls(SeedOssParser().parse(text)) == [("write", {"code": "\ndef f():\n    pass\n"})]


def test_cut_off_function_dropped():
    text = NO_BUDGET[: -len("\n</function>\n</seed:tool_call>")]
    assert SeedOssParser().parse(text).tool_calls == []


def test_stream_equals_parse():
    parser = SeedOssParser()
    for text in (NO_BUDGET, THINK_512 + NO_BUDGET, THINK_QUOTING_THE_FORMAT + CALL_WITH_UNIT, PARALLEL_TYPED):
        assert_cuts_match_parse(parser, text, seed=3)
