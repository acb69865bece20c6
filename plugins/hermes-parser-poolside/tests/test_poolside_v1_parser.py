# ruff: noqa: E501  (model outputs quoted whole, as in the reference suites)
"""``poolside_v1``: cases from vLLM tests/tool_parsers/test_poolside_v1_tool_parser.py."""

from __future__ import annotations

import json

from hermes_core.parsing_stream import join_deltas
from hermes_core.plugins import get_hermes
from hermes_testkit.parser_helpers import WEATHER_TOOL
from hermes_testkit.parser_helpers import decoded_calls as calls
from hermes_testkit.parsers import ParserConformance, ParserSample

WRITE_FILE = {
    "type": "function",
    "function": {
        "name": "write_file",
        "parameters": {
            "type": "object",
            "properties": {"content": {"type": "string"}, "mode": {"type": "integer"}},
            "required": ["content"],
        },
    },
}
WEATHER = WEATHER_TOOL
CODE = "    def f():\n        return 1\n"
WRITE = f"<tool_call>write_file\n<arg_key>content</arg_key>\n<arg_value>{CODE}</arg_value>\n</tool_call>"
COMPACT = "<tool_call>get_weather<arg_key>city</arg_key><arg_value>Paris</arg_value></tool_call>"


def parse(text: str, tools=None):
    return get_hermes().parser("poolside_v1").parse(text, tools=tools)


class TestPoolsideV1Conformance(ParserConformance):
    parser_name = "poolside_v1"
    parameter_end = "</arg_value>"
    samples = [
        ParserSample(WRITE, [("write_file", {"content": CODE})], tools=[WRITE_FILE]),
        ParserSample(COMPACT, [("get_weather", {"city": "Paris"})], tools=[WEATHER]),
        ParserSample(
            "I'll write it.\n" + WRITE + "\n" + COMPACT,
            [("write_file", {"content": CODE.strip()}), ("get_weather", {"city": "Paris"})],
            content="I'll write it.",
        ),
    ]


def test_string_arg_preserves_whitespace():
    # vLLM ...::test_string_arg_preserves_whitespace
    assert calls(parse(WRITE, tools=[WRITE_FILE])) == [("write_file", {"content": CODE})]


def test_non_string_arg_still_deserialized():
    # vLLM ...::test_non_string_arg_still_deserialized
    text = (
        "<tool_call>write_file\n<arg_key>content</arg_key>\n<arg_value>hi</arg_value>\n"
        "<arg_key>mode</arg_key>\n<arg_value> 420 </arg_value>\n</tool_call>"
    )
    assert calls(parse(text, tools=[WRITE_FILE])) == [("write_file", {"content": "hi", "mode": 420})]


def test_responses_flat_tool_definition():
    # vLLM ...::test_responses_extract_tool_calls_with_flat_tools (Responses API: no "function" wrapper)
    flat = {"type": "function", **WRITE_FILE["function"]}
    text = "<tool_call>write_file\n<arg_key>content</arg_key>\n<arg_value>  x = 1\n</arg_value>\n</tool_call>"
    assert calls(parse(text, tools=[flat])) == [("write_file", {"content": "  x = 1\n"})]


def test_no_newline_after_name():
    # vLLM ...::test_no_newline_after_name_non_streaming and ::test_no_newline_after_name_streaming
    assert calls(parse(COMPACT, tools=[WEATHER])) == [("get_weather", {"city": "Paris"})]
    stream = get_hermes().parser("poolside_v1").stream(tools=[WEATHER])
    content, got = join_deltas([d for ch in COMPACT for d in stream.feed(ch)] + stream.finish())
    assert content is None
    assert [(c["function"]["name"], json.loads(c["function"]["arguments"])) for c in got] == [
        ("get_weather", {"city": "Paris"})
    ]


def test_newline_after_name_still_parses():
    # vLLM ...::test_newline_after_name_still_parses_non_streaming
    text = "<tool_call>get_weather\n<arg_key>city</arg_key>\n<arg_value>Paris</arg_value>\n</tool_call>"
    assert calls(parse(text, tools=[WEATHER])) == [("get_weather", {"city": "Paris"})]


def test_whitespace_padded_block_is_not_a_call_and_is_cheap():
    # vLLM ...::test_whitespace_padded_tool_call_is_not_quadratic (the time bound lives in the kit's linear test)
    text = "<tool_call>" + " " * 4096 + "<x</tool_call>"
    parsed = parse(text, tools=[WEATHER])
    assert parsed.tool_calls == [] and parsed.content == text


def test_whitespace_only_name_is_rejected():
    # vLLM ...::test_whitespace_only_tool_call_name_is_rejected
    assert parse("<tool_call>   </tool_call>", tools=[WEATHER]).tool_calls == []


def test_function_name_with_internal_whitespace_still_parses():
    # vLLM ...::test_function_name_with_internal_whitespace_still_parses
    text = "<tool_call>  get weather  <arg_key>city</arg_key><arg_value>Paris</arg_value></tool_call>"
    assert calls(parse(text, tools=[WEATHER])) == [("get weather", {"city": "Paris"})]


def test_untyped_values_json_then_literal_then_text():
    text = (
        "<tool_call>f<arg_key>a</arg_key><arg_value> [1, 2] </arg_value>"
        "<arg_key>b</arg_key><arg_value>{'k': True}</arg_value>"
        "<arg_key>c</arg_key><arg_value> plain text </arg_value></tool_call>"
    )
    assert calls(parse(text)) == [("f", {"a": [1, 2], "b": {"k": True}, "c": "plain text"})]


def test_cut_off_call_keeps_its_complete_arguments():
    """A stream sends the name once ``<arg_key>`` follows it and each argument once closed, so a cut-off
    call stays a call with those (the cut-off value left out); before ``<arg_key>`` it is none yet."""
    text = "Sure.<tool_call>get_weather<arg_key>city</arg_key><arg_value>Par"
    parsed = parse(text)
    assert calls(parsed) == [("get_weather", {})] and parsed.content == "Sure."
    assert calls(parse(WRITE.replace("</arg_value>", "</arg_value><arg_key>mode</arg_key>"))) == [
        ("write_file", {"content": CODE.strip()})
    ]
    for cut in ("Sure.<tool_call>get_weather", "Sure.<tool_call>get_weather\n<arg_k"):
        assert parse(cut).tool_calls == [] and parse(cut).content == cut


def test_hermes_json_in_the_same_tags_is_not_a_call():
    text = '<tool_call>\n{"name": "f", "arguments": {}}\n</tool_call>'
    assert parse(text).tool_calls == [] and parse(text).content == text


def test_arguments_stream_one_by_one_before_the_call_ends():
    """Issue 21: the header once ``<arg_key>`` follows the name, then each argument once closed; of
    20 KB in 20 arguments, >= 90 % is sent before ``</tool_call>``."""
    part = "\n".join(f"    line {i}: print('x' * {i}) < > &" for i in range(40))[:1000]
    body = "".join(f"<arg_key>part_{i}</arg_key>\n<arg_value>{part}</arg_value>\n" for i in range(20))
    text = f"Writing.\n<tool_call>write_files\n{body}</tool_call>"
    parser = get_hermes().parser("poolside_v1")
    final = parser.parse(text).tool_calls[0].function.arguments
    assert len(json.loads(final)) == 20
    stream = parser.stream()
    names, sent = [], ""
    first_value_end = text.index("</arg_value>")
    for start in range(0, text.index("</tool_call>"), 16):
        for delta in stream.feed(text[start : min(start + 16, text.index("</tool_call>"))]):
            names += [p.name for p in delta.tool_calls if p.name]
            sent += "".join(p.arguments or "" for p in delta.tool_calls)
        if start + 16 < first_value_end:
            assert sent in ("", "{")
    assert names == ["write_files"] and final.startswith(sent) and len(sent) >= 0.9 * len(final)
