# ruff: noqa: E501  (model outputs quoted whole, as in the reference suites)
"""``minicpm5``: cases from vLLM tests/tool_parsers/test_minicpm5xml_tool_parser.py."""

from __future__ import annotations

import json
import random

import pytest

from hermes_core.parsing_stream import join_deltas
from hermes_core.plugins import get_hermes
from hermes_testkit.parser_helpers import decoded_calls as calls
from hermes_testkit.parser_helpers import tool_definition
from hermes_testkit.parsers import ParserConformance, ParserSample


def tool(name: str, properties: dict, required: list[str]) -> dict:
    return tool_definition(name, properties, required=required)


WEATHER = [tool("get_weather", {"city": {"type": "string"}, "date": {"type": "string"}}, ["city"])]
SUM = [tool("sum_values", {"nums": {"type": "array"}, "exact": {"type": "boolean"}}, ["nums"])]
NOOP = [tool("noop", {"note": {"type": "string"}}, [])]
PHONE = [tool("get_customer_by_phone", {"phone_number": {"type": "string"}}, ["phone_number"])]
SHANGHAI = ("get_weather", {"city": "上海", "date": "2024-06-27"})
INTRO = (
    'Intro before.\n<function name="get_weather"><param name="city">上海</param>'
    '<param name="date">2024-06-27</param></function>\nOutro after.\n'
)
MULTIPLE = (
    'Head\n<function name="get_weather"><param name="city">北京</param></function>\nTXT\n'
    '<function name="sum_values"><param name="nums">[7,8,9]</param><param name="exact">false</param></function>\n'
    "Tail\n"
)


def parse(text: str, tools=None):
    return get_hermes().parser("minicpm5").parse(text, tools=tools)


class TestMiniCPM5Conformance(ParserConformance):
    parser_name = "minicpm5"
    samples = [
        ParserSample(INTRO, [SHANGHAI], content="Intro before.", tools=WEATHER),
        ParserSample(
            MULTIPLE,
            [("get_weather", {"city": "北京"}), ("sum_values", {"nums": [7, 8, 9], "exact": False})],
            content="Head",
            tools=WEATHER + SUM,
        ),
        ParserSample('<function name="noop"></function>', [("noop", {})]),
    ]


def test_no_tool_call():
    # vLLM ...::test_no_tool_call
    parsed = parse("How can I help you?", tools=WEATHER)
    assert parsed.tool_calls == [] and parsed.content == "How can I help you?"


# vLLM ...: one completion each, parsed with the request's tools
CALLS = [
    pytest.param(INTRO, WEATHER, [SHANGHAI], id="single_call_with_surrounding_text"),
    pytest.param(
        '<function name="get_weather"><param name="city"><![CDATA[北\n京]]></param>'
        '<param name="date">2024-06-27</param></function>\n',
        WEATHER,
        [("get_weather", {"city": "北\n京", "date": "2024-06-27"})],
        id="cdata_multiline",
    ),
    pytest.param(
        '<function\u0120name="get_weather"><param\u0120name="city">上海</param>'
        '<param\u0120name="date">2024-06-27</param></function>\n',
        WEATHER,
        [SHANGHAI],
        id="tokenizer_space_marker",
    ),
    pytest.param(
        '<functionname="get_weather"><paramname="city">上海</param><paramname="date">2024-06-27</param></function>\n',
        WEATHER,
        [SHANGHAI],
        id="collapsed_function_and_param_tags",
    ),
    pytest.param(
        '<function\u0120name="get_weather"><paramname="city">上海</param>'
        '<paramname="date">2024-06-27</param></function>\n',
        WEATHER,
        [SHANGHAI],
        id="collapsed_param_tags_with_tokenizer_space_function",
    ),
    pytest.param(
        '<function name="sum_values"><param name="nums">[1, 2, 3]</param><param name="exact">true</param></function>',
        SUM,
        [("sum_values", {"nums": [1, 2, 3], "exact": True})],
        id="non_string_types",
    ),
    pytest.param(
        MULTIPLE,
        WEATHER + SUM,
        [("get_weather", {"city": "北京"}), ("sum_values", {"nums": [7, 8, 9], "exact": False})],
        id="multiple_calls_interleaved_text",
    ),
    pytest.param(
        '<function name="noop"></function>\n', NOOP, [("noop", {})], id="no_required_and_zero_param"
    ),
    pytest.param(
        '<function name="get_customer_by_phone">'
        "<param name=\"properties\">{'phone_number': '555-123-2002'}</param></function>",
        PHONE,
        [("get_customer_by_phone", {"phone_number": "555-123-2002"})],
        id="properties_wrapped_arguments",
    ),
    pytest.param(
        '<function name="get_weather"><param name="arguments">{"city": "上海", "date": "2024-06-27"}</param>'
        "</function>",
        WEATHER,
        [SHANGHAI],
        id="arguments_wrapped_arguments",
    ),
    pytest.param(
        '<function name="get_weather"><param name="city">上海</param><param name="unknown">ignored</param></function>',
        WEATHER,
        [("get_weather", {"city": "上海"})],
        id="extra_arguments_ignored_when_required_present",
    ),
    pytest.param(
        '<function name="noop"><param name="note">ignored</param><param name="extra">ignored</param></function>',
        NOOP,
        [("noop", {"note": "ignored"})],
        id="zero_arg_tool_ignores_extra_arguments",
    ),
    pytest.param(
        '<function name="get_weather"><param name="city">&xxe;</param><param name="date">2024-06-27</param>'
        "</function>\n",
        WEATHER,
        [("get_weather", {"city": "&xxe;", "date": "2024-06-27"})],
        id="xml_external_entity_prevention",
    ),
]


@pytest.mark.parametrize("text, tools, expected", CALLS)
def test_extract_tool_calls(text, tools, expected):
    assert calls(parse(text, tools=tools)) == expected


# vLLM ...: completions that must not yield a call (the text stays content)
NOT_CALLS = [
    pytest.param('<function name="unknown"><param name="x">1</param></function>\n', id="unknown_tool_block"),
    pytest.param('<function name="get_weather"><param name="city">北京</param>', id="incomplete_missing_end"),
    pytest.param(
        '<function name="get_weather"><param>北京</param><param name="date">2024-06-27</param></function>\n',
        id="param_missing_name_invalid",
    ),
    pytest.param(
        '<function name="get_weather"><param name="city">北京</param><param name="city">上海</param></function>\n',
        id="duplicate_param_names_invalid",
    ),
    pytest.param(
        '<function name="get_weather"><param name="City">北京</param></function>\n',
        id="case_sensitive_param_name",
    ),
    pytest.param(
        '<function name="get_weather"><param name="properties">{"unknown": "x"}</param></function>',
        id="wrapped_arguments_still_validate_schema",
    ),
    pytest.param(
        '<function name="get_weather"><param name="unknown">ignored</param></function>',
        id="extra_arguments_do_not_satisfy_required",
    ),
]


@pytest.mark.parametrize("text", NOT_CALLS)
def test_invalid_blocks_stay_content(text):
    parsed = parse(text, tools=WEATHER)
    assert parsed.tool_calls == [] and parsed.content == text


@pytest.mark.parametrize(
    "seed, text, tools", [(0, INTRO, WEATHER), (1, MULTIPLE, WEATHER + SUM), (2, CALLS[3].values[0], WEATHER)]
)
def test_streaming_random_chunks(seed, text, tools):
    # vLLM ...::test_extract_tool_calls_streaming_single / _multiple / _collapsed_tags_weather
    rng = random.Random(seed)
    chunks, i = [], 0
    while i < len(text):
        size = rng.randint(1, 5)
        chunks.append(text[i : i + size])
        i += size
    stream = get_hermes().parser("minicpm5").stream(tools=tools)
    content, got = join_deltas([d for c in chunks for d in stream.feed(c)] + stream.finish())
    whole = parse(text, tools=tools)
    assert content == whole.content
    assert [(c["function"]["name"], json.loads(c["function"]["arguments"])) for c in got] == calls(whole)
    assert got


def test_without_tools_every_well_formed_call_is_kept():
    """Deliberate difference: vLLM reads no call without tools; hermes validates only when tools are given."""
    text = '<function name="anything"><param name="n">[1, 2]</param><param name="s">hi</param></function>'
    assert calls(parse(text)) == [("anything", {"n": [1, 2], "s": "hi"})]


def test_a_call_streams_whole_at_its_end_marker():
    """vLLM's ``test_incomplete_missing_function_end`` drops a call cut off before ``</function>`` (and
    a later repeated or unnamed parameter voids the whole call): nothing of a call is certain before its
    end marker, so ``minicpm5`` streams each call whole once ``</function>`` is in, not at the text's end."""
    stream = get_hermes().parser("minicpm5").stream(tools=WEATHER)
    end = INTRO.index("</function>")
    early = [p for d in stream.feed(INTRO[:end]) for p in d.tool_calls]
    assert early == []
    parts = [p for d in stream.feed(INTRO[end : end + len("</function>")]) for p in d.tool_calls]
    assert [p.name for p in parts if p.name] == ["get_weather"]
    assert json.loads("".join(p.arguments or "" for p in parts)) == SHANGHAI[1]
