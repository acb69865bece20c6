"""``apertus``: cases from vLLM tests/tool_parsers/test_apertus_tool_parser.py."""

from __future__ import annotations

import json

import pytest
from hermes_parser_apertus.parser import close_partial_json

from hermes_core.parsing_stream import join_deltas
from hermes_core.plugins import get_hermes
from hermes_testkit.parser_helpers import decoded_calls as calls
from hermes_testkit.parsers import ParserConformance, ParserSample

P, S = "<|tools_prefix|>", "<|tools_suffix|>"


def parse(text: str):
    return get_hermes().parser("apertus").parse(text)


def streamed(chunks: list[str]):
    stream = get_hermes().parser("apertus").stream()
    deltas = [d for chunk in chunks for d in stream.feed(chunk)] + stream.finish()
    content, got = join_deltas(deltas)
    return content, [(c["function"]["name"], json.loads(c["function"]["arguments"])) for c in got]


class TestApertusConformance(ParserConformance):
    parser_name = "apertus"
    samples = [
        ParserSample(
            P + '[{"get_weather": {"location": "London"}}]' + S, [("get_weather", {"location": "London"})]
        ),
        ParserSample(
            "Let me check the weather for you. " + P + '[{"get_weather": {"location": "Paris"}}]' + S,
            [("get_weather", {"location": "Paris"})],
            content="Let me check the weather for you.",
        ),
        ParserSample(
            P + '[{"get_weather": {"location": "London"}}, {"get_time": {"location": "London"}}]' + S,
            [("get_weather", {"location": "London"}), ("get_time", {"location": "London"})],
        ),
    ]


# vLLM tests/tool_parsers/test_apertus_tool_parser.py::TestExtractToolCalls (8 cases)
EXTRACT = [
    pytest.param(
        "Hello, how can I help you today?", [], "Hello, how can I help you today?", id="no_tool_calls"
    ),
    pytest.param(
        P + '[{"get_weather": {"location": "London"}}]' + S,
        [("get_weather", {"location": "London"})],
        None,
        id="single_tool_call",
    ),
    pytest.param(
        P + '[{"get_weather": {"location": "San Francisco", "unit": "celsius"}}]' + S,
        [("get_weather", {"location": "San Francisco", "unit": "celsius"})],
        None,
        id="multiple_arguments",
    ),
    pytest.param(
        "Let me check the weather for you. " + P + '[{"get_weather": {"location": "Paris"}}]' + S,
        [("get_weather", {"location": "Paris"})],
        "Let me check the weather for you.",
        id="text_before_tool_call",
    ),
    pytest.param(
        P + '[{"get_weather": {"location": "London"}}, {"get_time": {"location": "London"}}]' + S,
        [("get_weather", {"location": "London"}), ("get_time", {"location": "London"})],
        None,
        id="multiple_tool_calls",
    ),
    pytest.param(
        P + '[{"complex_function": {"nested": {"inner": "value"}, "list": ["a", "b"]}}]' + S,
        [("complex_function", {"nested": {"inner": "value"}, "list": ["a", "b"]})],
        None,
        id="nested_arguments",
    ),
    pytest.param(
        P + '[{"get_weather": {"location": "London"}',
        [("get_weather", {"location": "London"})],
        None,
        id="incomplete",
    ),
    pytest.param(
        P + '[{"get_weather": {"location": "San Francisco", "unit": "celsius"}}]',
        [("get_weather", {"location": "San Francisco", "unit": "celsius"})],
        None,
        id="missing_tool_suffix",
    ),
]


@pytest.mark.parametrize("text, expected, content", EXTRACT)
def test_extract_tool_calls(text, expected, content):
    parsed = parse(text)
    assert calls(parsed) == expected
    assert parsed.content == content


# vLLM ...::TestStreamingExtraction (10 cases): the chunks each test feeds
STREAMS = [
    pytest.param([P, '[{"get_weather": ', '{"location": "Paris, ', 'France"}}]', S], id="basic_single_tool"),
    pytest.param([P, '[{"get_weather": ', '{"location": "Paris, ', 'France"}}]'], id="missing_tool_suffix"),
    pytest.param(["Content", "<|tools_", "prefix|>", '[{"f": ', '{"a": 1}}]'], id="partial_tag_no_suffix"),
    pytest.param(
        [P, '[{"get_weather": {"location": "Tokyo"}}', ', {"get_time": {"location": "Tokyo"}}]', S],
        id="multi_tool",
    ),
    pytest.param(
        ["Let me check ", "the weather. ", P, '[{"get_weather": {"location": "London"}}]', S],
        id="text_before",
    ),
    pytest.param(
        ["Content", "<|tools_", "prefix|>", '[{"f": {"a": 1}}]', "<|tools_suf", "fix|>"], id="partial_tags"
    ),
    pytest.param(["Sure! " + P + '[{"get_weather": {"location": "London"}}]' + S], id="mtp_massive_chunk"),
    pytest.param(
        [P + '[{"t1": {"a": 1}', '}, {"t2": {"b": 2}}, {"t3": {"c": 3', "}}]" + S], id="mtp_skip_catch_up"
    ),
    pytest.param(
        list('Hi <|tools_prefix|>[{"get_weather": {"location": "London"}}]<|tools_suffix|> '), id="by_char"
    ),
    pytest.param(
        ["Wait", "", P, "", '[{"get_weather": ', "", '{"location": "London"}}]', S], id="empty_deltas"
    ),
]


@pytest.mark.parametrize("chunks", STREAMS)
def test_streaming_equals_parse_and_hides_the_tokens(chunks):
    content, got = streamed(chunks)
    whole = parse("".join(chunks))
    assert got == calls(whole) and got
    assert content == whole.content
    assert P not in (content or "") and S not in (content or "")


def test_streamed_content_before_the_call():
    # ...::test_streaming_text_before_tool_call
    content, got = streamed(
        ["Let me check ", "the weather. ", P, '[{"get_weather": {"location": "London"}}]', S]
    )
    assert content == "Let me check the weather."
    assert got == [("get_weather", {"location": "London"})]


def test_text_after_the_block_is_content():
    parsed = parse("Sure. " + P + '[{"f": {"a": 1}}]' + S + " Done.")
    assert parsed.content == "Sure.\nDone."


def test_truncated_list_keeps_whole_items():
    assert calls(parse(P + '[{"t1": {"a": 1}}, {"t2":')) == [("t1", {"a": 1})]
    assert calls(parse(P + '[{"t1": {"a": "Lon')) == [("t1", {"a": "Lon"})]


def test_close_partial_json():
    assert close_partial_json('[{"a": "x\\"y') == ('[{"a": "x\\"y"}]', -1)
    assert close_partial_json('[{"a": 1},') == ('[{"a": 1}]', 9)
