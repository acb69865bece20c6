"""granite, granite4, granite-20b-fc: conformance plus the cases of vLLM's
tests/tool_parsers/test_granite_tool_parser.py, test_granite4_tool_parser.py and
test_granite_20b_fc_tool_parser.py (the ToolParserTestConfig outputs of the shared suite)."""

import json
import random

import pytest

from hermes_core.parsing_stream import join_deltas
from hermes_core.plugins import get_hermes
from hermes_testkit.parser_helpers import ESCAPED_STRING_ARGUMENTS, VARIOUS_TYPES_ARGUMENTS
from hermes_testkit.parser_helpers import decoded_calls as calls
from hermes_testkit.parsers import ParserConformance, ParserSample


def parse(name, text):
    return get_hermes().parser(name).parse(text)


def stream(name, chunks):
    s = get_hermes().parser(name).stream()
    deltas = [d for chunk in chunks for d in s.feed(chunk)] + s.finish()
    content, got = join_deltas(deltas)
    return content, [(c["function"]["name"], json.loads(c["function"]["arguments"])) for c in got]


# --- granite -------------------------------------------------------------------------------------------

GRANITE_SINGLE = '<|tool_call|> [{"name": "get_weather", "arguments": {"city": "Tokyo"}}]'
GRANITE_PARALLEL = """<|tool_call|> [
  {"name": "get_weather", "arguments": {"city": "Tokyo"}},
  {"name": "get_time", "arguments": {"timezone": "Asia/Tokyo"}}
]"""


class TestGraniteConformance(ParserConformance):
    parser_name = "granite"
    samples = [
        ParserSample(GRANITE_SINGLE, [("get_weather", {"city": "Tokyo"})]),
        ParserSample(
            GRANITE_PARALLEL, [("get_weather", {"city": "Tokyo"}), ("get_time", {"timezone": "Asia/Tokyo"})]
        ),
        ParserSample(
            "<tool_call> " + json.dumps([{"name": "test_function", "arguments": VARIOUS_TYPES_ARGUMENTS}]),
            [("test_function", VARIOUS_TYPES_ARGUMENTS)],
        ),
    ]


@pytest.mark.parametrize(
    "text,expected",
    [  # vLLM test_granite_tool_parser.py ToolParserTestConfig outputs
        (GRANITE_SINGLE, [("get_weather", {"city": "Tokyo"})]),  # single_tool_call_output
        (GRANITE_PARALLEL, [("get_weather", {"city": "Tokyo"}), ("get_time", {"timezone": "Asia/Tokyo"})]),
        (
            "<tool_call> "
            + json.dumps([{"name": "test_function", "arguments": VARIOUS_TYPES_ARGUMENTS}], indent=2),
            [("test_function", VARIOUS_TYPES_ARGUMENTS)],
        ),  # various_data_types_output
        ('<|tool_call|> [{"name": "refresh", "arguments": {}}]', [("refresh", {})]),  # empty_arguments_output
        (
            "<tool_call> "
            + json.dumps(
                [{"name": "test_function", "arguments": ESCAPED_STRING_ARGUMENTS}], ensure_ascii=False
            ),
            [("test_function", ESCAPED_STRING_ARGUMENTS)],
        ),  # escaped_strings_output
        (
            '<tool_call> [{"name": "get_weather", "arguments": {"city": "Tokyo"}}]',
            [("get_weather", {"city": "Tokyo"})],
        ),
    ],
)
def test_granite_reference_outputs(text, expected):
    parsed = parse("granite", text)
    assert calls(parsed) == expected and parsed.content is None  # granite: content None with calls
    assert stream("granite", [text[i : i + 3] for i in range(0, len(text), 3)]) == (None, expected)


@pytest.mark.parametrize(
    "text",
    [  # vLLM malformed_input_outputs
        '<|tool_call|> [{"name": "func", "arguments": {',
        '<|tool_call|> {"name": "func", "arguments": {}}',  # not an array
        'Some text [{"name": "func"}]',  # JSON but not tool call format
        "This is a regular response without any tool calls.",  # no_tool_calls_output
    ],
)
def test_granite_no_call(text):
    parsed = parse("granite", text)
    assert parsed.tool_calls == [] and parsed.content == text


def test_granite_surrounding_text():
    """vLLM's surrounding_text_output (xfail there): the call is found, the text before it is content."""
    text = """Let me check the weather for you.
<|tool_call|> [{"name": "get_weather", "arguments": {"city": "Tokyo"}}]
I'll get that information."""
    parsed = parse("granite", text)
    assert calls(parsed) == [("get_weather", {"city": "Tokyo"})]
    assert parsed.content == "Let me check the weather for you."


@pytest.mark.parametrize("chunk_size", [2, 3, 4, 5])
def test_granite_streaming_parallel_calls_batched_deltas(chunk_size):
    # vLLM ::test_streaming_parallel_calls_batched_deltas (arguments before name)
    text = (
        '<|tool_call|> [{"arguments": {"city": "Tokyo"}, "name": "get_weather"}, '
        '{"arguments": {"timezone": "Asia/Tokyo"}, "name": "get_time"}]'
    )
    _, got = stream("granite", [text[i : i + chunk_size] for i in range(0, len(text), chunk_size)])
    assert got == [("get_weather", {"city": "Tokyo"}), ("get_time", {"timezone": "Asia/Tokyo"})]


def test_granite_streaming_parallel_calls_single_delta():
    # vLLM ::test_streaming_parallel_calls_single_delta
    text = (
        '<|tool_call|>[{"name": "get_weather", "arguments": {"x": 42}}, {"name": "b", "arguments": {"y": 7}}]'
    )
    assert stream("granite", [text])[1] == [("get_weather", {"x": 42}), ("b", {"y": 7})]


# --- granite4 ------------------------------------------------------------------------------------------


def complex_input(string_args):
    # vLLM test_granite4_tool_parser.py::create_complex_input
    coord = {"coordinates": [[23.54, 43.1], [-12.2, 54.3], [4, 5]], "coordinate_type": "latlong"}
    arg = json.dumps(coord) if string_args else coord
    return [
        {"name": "find_bbox", "arguments": arg},
        {
            "name": "get_stock_price",
            "arguments": {"symbol": "AAPL", "start_date": "2021-01-01", "end_date": "2021-12-31"},
        },
        {"name": "find_bbox", "arguments": arg},
    ]


TEXTS = [
    "Here goes the bbox call: \n",
    " Now the stock price call: \n ",
    " Now another bbox call: \n ",
    " See? I'm a helpful assistant.",
]
GRANITE4_COMPLEX = (
    "".join(
        TEXTS[i] + "<tool_call> " + json.dumps(call) + " </tool_call>"
        for i, call in enumerate(complex_input(True))
    )
    + TEXTS[3]
)


class TestGranite4Conformance(ParserConformance):
    parser_name = "granite4"
    samples = [
        ParserSample('<tool_call> {"name": "find_bbox", "arguments": {}} </tool_call>', [("find_bbox", {})]),
        ParserSample(
            GRANITE4_COMPLEX,
            [(c["name"], c["arguments"]) for c in complex_input(False)],
            content="Here goes the bbox call:" + "".join(TEXTS[1:]),
        ),
    ]


@pytest.mark.parametrize("min_chunk,max_chunk", [(1, 1), (1, 2), (5, 7), (6, 20)])
def test_granite4_tool_call_parser_complex(min_chunk, max_chunk):
    # vLLM ::test_tool_call_parser_complex: content is every text segment, the calls in order
    rng = random.Random(42)
    chunks, i = [], 0
    while i < len(GRANITE4_COMPLEX):
        size = rng.randint(min_chunk, max_chunk)
        chunks.append(GRANITE4_COMPLEX[i : i + size])
        i += size
    content, got = stream("granite4", chunks)
    assert content.replace("Here goes the bbox call:", "Here goes the bbox call: \n", 1) == "".join(TEXTS)
    assert got == [(c["name"], c["arguments"]) for c in complex_input(False)]


def test_granite4_preserves_content_between_complete_tool_calls():
    # vLLM ::test_streaming_preserves_content_between_complete_tool_calls
    chunks = [
        '<tool_call> {"name": "find_bbox", "arguments": {}} </tool_call>',
        'some explanation <tool_call> {"name": "get_stock_price", "arguments": {}} </tool_call>',
    ]
    content, got = stream("granite4", chunks)
    assert "some explanation" in content and [n for n, _ in got] == ["find_bbox", "get_stock_price"]


@pytest.mark.parametrize(
    "text",
    [
        '<tool_call> <tool_call> {"name": "a", "arguments": {}} </tool_call>',  # two starts in a row
        'oops </tool_call> <tool_call> {"name": "a", "arguments": {}} </tool_call>',  # end without start
        '<tool_call> {"name": "a"} </tool_call>',  # no arguments (KeyError in vLLM)
        "<tool_call> not json </tool_call>",
    ],
)
def test_granite4_malformed_is_content(text):
    parsed = parse("granite4", text)
    assert parsed.tool_calls == [] and parsed.content == text


def test_granite4_a_call_that_began_is_kept():
    """A stream sends a call once its arguments hold a key: a missing end tag or a malformed block after
    it does not take it back (vLLM makes the whole completion content); the bad block is content."""
    assert calls(parse("granite4", '<tool_call> {"name": "a", "arguments": {}}')) == [("a", {})]
    cut = parse("granite4", 'Sure. <tool_call> {"name": "a", "arguments": {"x": 1, "y": "tex')
    assert calls(cut) == [("a", {"x": 1, "y": "tex"})] and cut.content == "Sure."
    text = '<tool_call> {"name": "a", "arguments": {}} </tool_call> then <tool_call> oops </tool_call>'
    parsed = parse("granite4", text)
    assert calls(parsed) == [("a", {})] and parsed.content == " then <tool_call> oops </tool_call>"


# --- granite-20b-fc ------------------------------------------------------------------------------------

G20_SINGLE = '<function_call> {"name": "get_weather", "arguments": {"city": "Tokyo"}}'
G20_PARALLEL = G20_SINGLE + '\n<function_call> {"name": "get_time", "arguments": {"timezone": "Asia/Tokyo"}}'


class TestGranite20bFCConformance(ParserConformance):
    parser_name = "granite-20b-fc"
    samples = [
        ParserSample(G20_SINGLE, [("get_weather", {"city": "Tokyo"})]),
        ParserSample(
            G20_PARALLEL, [("get_weather", {"city": "Tokyo"}), ("get_time", {"timezone": "Asia/Tokyo"})]
        ),
    ]


@pytest.mark.parametrize(
    "text,expected,content",
    [  # vLLM test_granite_20b_fc_tool_parser.py ToolParserTestConfig outputs
        (G20_SINGLE, [("get_weather", {"city": "Tokyo"})], None),
        (G20_PARALLEL, [("get_weather", {"city": "Tokyo"}), ("get_time", {"timezone": "Asia/Tokyo"})], None),
        (
            "<function_call> "
            + json.dumps({"name": "test_function", "arguments": VARIOUS_TYPES_ARGUMENTS}, indent=2),
            [("test_function", VARIOUS_TYPES_ARGUMENTS)],
            None,
        ),
        ('<function_call> {"name": "refresh", "arguments": {}}', [("refresh", {})], None),
        (
            "Let me check the weather for you.\n" + G20_SINGLE,
            [("get_weather", {"city": "Tokyo"})],
            "Let me check the weather for you.",
        ),  # surrounding_text_output
        (
            "<function_call> "
            + json.dumps({"name": "test_function", "arguments": ESCAPED_STRING_ARGUMENTS}, indent=2),
            [("test_function", ESCAPED_STRING_ARGUMENTS)],
            None,
        ),
    ],
)
def test_granite20b_reference_outputs(text, expected, content):
    parsed = parse("granite-20b-fc", text)
    assert calls(parsed) == expected and parsed.content == content


@pytest.mark.parametrize(
    "text",
    [  # vLLM malformed_input_outputs
        '<function_call> {"name": "func", "arguments": {',
        '<function_call> [{"name": "func", "arguments": {}}]',
        '{"name": "func", "arguments": {}}',
        '<function_call> {"name": 123}',
    ],
)
def test_granite20b_malformed_is_content(text):
    parsed = parse("granite-20b-fc", text)
    assert parsed.tool_calls == [] and parsed.content == text
