"""Seed-OSS parser: conformance and the cases of vLLM's suite."""

import pytest
from hermes_parser_seed_oss.parser import SeedOssParser

from hermes_testkit.parser_helpers import (
    CODE_1KB,
    assert_call_closes_at_its_end_marker,
    assert_cuts_match_parse,
    streamed_share,
    tool_definition,
)
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
    parameter_end = "</parameter>"
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


def test_cut_off_function_keeps_its_whole_parameters():
    """vLLM 0.34's Seed-OSS engine (qwen3 grammar, ``_qwen3_arg_converter(raw, partial=False)``): a call
    cut off keeps the parameters whose ``</parameter>`` came; the cut one is left out."""
    text = NO_BUDGET[: -len("\n</function>\n</seed:tool_call>")]
    assert calls(SeedOssParser().parse(text)) == [("get_weather", {"location": "Barcelona, Spain"})]
    text = NO_BUDGET[: NO_BUDGET.index("</parameter>")]
    assert calls(SeedOssParser().parse(text)) == [("get_weather", {})]
    assert SeedOssParser().parse("<seed:tool_call>\n<function=get_wea").tool_calls == []
    block_closed_first = (
        "<seed:tool_call><function=f><parameter=a>1</parameter><parameter=b>2</seed:tool_call>"
    )
    assert calls(SeedOssParser().parse(block_closed_first)) == [("f", {"a": "1"})]


def test_repeated_parameter_keeps_both_in_order():
    text = (
        "<seed:tool_call><function=f><parameter=a>1</parameter><parameter=b>2</parameter>"
        "<parameter=a>3</parameter></function></seed:tool_call>"
    )
    parsed = SeedOssParser().parse(text)
    assert calls(parsed) == [("f", {"a": "3", "b": "2"})]
    assert parsed.tool_calls[0].function.arguments == '{"a": "1", "b": "2", "a": "3"}'


def test_reasoning_that_quotes_a_call_streams_nothing_until_it_ends():
    stream = SeedOssParser().stream()
    deltas = stream.feed(THINK_QUOTING_THE_FORMAT[:-20])
    assert not any(d.tool_calls for d in deltas)
    deltas = stream.feed(THINK_QUOTING_THE_FORMAT[-20:] + CALL_WITH_UNIT[:60])
    assert [p.name for d in deltas for p in d.tool_calls] == ["get_weather"]


def test_a_call_closes_once_its_end_marker_is_in():
    """The whole call, ``}`` included, goes out at the stream's next read after ``</function>`` (it reads as
    the text grows by a sixteenth), not only when the next call begins or the stream ends."""
    for parser, call in ((SeedOssParser(), NO_BUDGET), (SeedOssParser(tools=WEATHER_TOOLS), PARALLEL_TYPED)):
        assert_call_closes_at_its_end_marker(parser, call)


def test_20kb_call_streams_parameter_by_parameter():
    """20 parameters of 1 KB: >= 90 % of the arguments go out before ``</function>``."""
    body = "".join(f"<parameter=part_{i}>\n{CODE_1KB}\n</parameter>\n" for i in range(20))
    text = f"I'll write them.\n<seed:tool_call>\n<function=write_files>\n{body}</function>\n</seed:tool_call>"
    assert streamed_share(SeedOssParser(), text, text.rindex("</function>")) >= 0.9


def test_stream_equals_parse():
    parser = SeedOssParser()
    for text in (NO_BUDGET, THINK_512 + NO_BUDGET, THINK_QUOTING_THE_FORMAT + CALL_WITH_UNIT, PARALLEL_TYPED):
        assert_cuts_match_parse(parser, text, seed=3)
