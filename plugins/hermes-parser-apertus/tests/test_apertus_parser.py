"""``apertus``: cases from vLLM tests/tool_parsers/test_apertus_tool_parser.py."""

from __future__ import annotations

import json

import pytest
from hermes_parser_apertus.parser import close_partial_json

from hermes_core.parsing_stream import join_deltas
from hermes_core.plugins import get_hermes
from hermes_testkit.parser_helpers import assert_cuts_match_parse
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


def test_a_20kb_argument_streams_as_it_is_written():
    """Issue 21: the header once ``{"NAME": {`` is written, a 20 KB argument as it comes (>= 90 % before
    the list ends), a suffix being written never taken for argument text."""
    code = "".join(f"    line_{i} = 'value \\\\ \"{i}\" — ü'\n" for i in range(700))[:20_000]
    arguments = json.dumps({"path": "src/main.py", "content": code}, ensure_ascii=False)
    text = f'Writing. {P}[{{"write_file": {arguments}}}, {{"run": {{"cmd": "python"}}}}]{S}'
    parser = get_hermes().parser("apertus")
    final = parser.parse(text).tool_calls[0].function.arguments
    assert json.loads(final) == json.loads(arguments)
    stream = parser.stream()
    names, sent = [], ""
    stop = text.index('}}, {"run"')
    for start in range(0, stop, 16):
        for delta in stream.feed(text[start : min(start + 16, stop)]):
            names += [p.name for p in delta.tool_calls if p.name]
            sent += "".join(p.arguments or "" for p in delta.tool_calls)
        if start + 16 < text.index('"src/main'):
            assert sent in ("", "{")
    assert names == ["write_file"] and final.startswith(sent) and len(sent) >= 0.9 * len(final)
    assert_cuts_match_parse(parser, text, sizes=(64, 997), random_cuts=20, seed=1)
    cut = P + '[{"f": {"a": "x<|tools_suf'
    assert_cuts_match_parse(parser, cut + 'fix|>"}}]', sizes=(1, 2), random_cuts=10, seed=2)


def test_cut_off_numbers_and_words_wait_for_their_end():
    assert calls(parse(P + '[{"f": {"a": 1, "b": 2')) == [("f", {"a": 1})]
    assert calls(parse(P + '[{"f": {"a": tru')) == [("f", {})]
