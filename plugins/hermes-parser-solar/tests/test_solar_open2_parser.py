# ruff: noqa: E501  (model outputs quoted whole, as in the reference suites)
"""``solar_open2``: cases from vLLM tests/tool_parsers/test_solar_open2_tool_parser.py."""

from __future__ import annotations

import pytest

from hermes_core.parsing_stream import join_deltas
from hermes_core.plugins import get_hermes
from hermes_testkit.parser_helpers import decoded_calls as calls
from hermes_testkit.parser_helpers import tool_definition
from hermes_testkit.parsers import ParserConformance, ParserSample

TOOLS = [
    tool_definition("search", {"query": {"type": "string"}, "max_results": {"type": "integer"}}),
    tool_definition(
        "do_all_types",
        {
            "s": {"type": "string"},
            "i": {"type": "integer"},
            "n": {"type": "number"},
            "b": {"type": "boolean"},
            "arr": {"type": "array"},
            "obj": {"type": "object"},
            "maybe_int": {"type": ["integer", "null"]},
        },
    ),
    tool_definition("malformed", ["count"]),
]
CALL = (
    "<|tool_call:start|>get_weather\n<|tool_arg:start|>city<|tool_arg:value|>Seoul<|tool_arg:end|>\n"
    "<|tool_call:end|>"
)
SEOUL = ("get_weather", {"city": "Seoul"})
SEARCH = (
    "<|tool_call:start|>search\n"
    "<|tool_arg:start|>query<|tool_arg:value|>vLLM tutorial<|tool_arg:end|>\n"
    "<|tool_arg:start|>max_results<|tool_arg:value|>5<|tool_arg:end|>\n"
    "<|tool_call:end|>"
)


def parse(text: str, tools=None):
    return get_hermes().parser("solar_open2").parse(text, tools=tools)


class TestSolarOpen2Conformance(ParserConformance):
    parser_name = "solar_open2"
    samples = [
        ParserSample(CALL, [SEOUL]),
        ParserSample("Let me check the weather." + CALL, [SEOUL], content="Let me check the weather."),
        ParserSample(SEARCH, [("search", {"query": "vLLM tutorial", "max_results": 5})], tools=TOOLS),
        ParserSample("<|tool_call:start|>get_time\n<|tool_call:end|>", [("get_time", {})]),
    ]


# vLLM ...::TestExtractToolCalls
EXTRACT = [
    pytest.param("This is a regular response.", [], "This is a regular response.", id="no_tool_calls"),
    pytest.param(CALL, [SEOUL], None, id="single_tool_no_content"),
    pytest.param(
        "Let me check the weather." + CALL, [SEOUL], "Let me check the weather.", id="content_prefix"
    ),
    pytest.param(
        "I'll check both." + CALL + "\n" + CALL.replace("Seoul", "Tokyo"),
        [SEOUL, ("get_weather", {"city": "Tokyo"})],
        "I'll check both.",
        id="multiple_tool_calls",
    ),
    pytest.param(
        SEARCH, [("search", {"query": "vLLM tutorial", "max_results": "5"})], None, id="args_no_schema"
    ),
    pytest.param(
        "<|tool_call:start|>get_time\n<|tool_call:end|>", [("get_time", {})], None, id="no_arguments"
    ),
    pytest.param(
        '<|tool_call:start|>process_data\n<|tool_arg:start|>data<|tool_arg:value|>{"key": "value"}'
        "<|tool_arg:end|>\n<|tool_call:end|>",
        [("process_data", {"data": '{"key": "value"}'})],
        None,
        id="json_like_value_stays_text",
    ),
    pytest.param(
        "<|think:start|>I should use a tool<|think:end|>Sure, let me help." + CALL,
        [SEOUL],
        "<|think:start|>I should use a tool<|think:end|>Sure, let me help.",
        id="reasoning_tags_with_tool_calls",
    ),
    pytest.param("  \n\n" + CALL, [SEOUL], None, id="whitespace_only_prefix"),
    pytest.param("pre" + CALL + "post", [SEOUL], "pre", id="text_after_last_call_not_content"),
    pytest.param(
        "<|tool_call:start|>broken\n<|tool_arg:start|>a<|tool_arg:value|>oops<|tool_call:end|>" + CALL,
        [("broken", {"a": "oops"}), SEOUL],
        None,
        id="dropped_arg_end",
    ),
    pytest.param(
        "<|tool_call:start|>search\n<|tool_arg:start|>query<|tool_arg:value|>vLLM<|tool_arg:end|>\n" + CALL,
        [("search", {"query": "vLLM"}), SEOUL],
        None,
        id="dropped_call_end",
    ),
    pytest.param(
        "<|tool_call:start|>search\n<|tool_arg:start|>query<|tool_arg:value|>vLLM" + CALL,
        [("search", {"query": "vLLM"}), SEOUL],
        None,
        id="dropped_call_end_and_arg_end",
    ),
    pytest.param("<|tool_call:start|>get_weat" + CALL, [SEOUL], None, id="restart_before_function_name"),
    pytest.param("Hmm. <|tool_call:start|>oops" + CALL, [SEOUL], "Hmm.", id="restart_before_name_prefix"),
    pytest.param("<|tool_call:start|>oops<|tool_call:end|>" + CALL, [SEOUL], None, id="call_end_before_name"),
    pytest.param(
        "<|tool_call:start|>get_time\n<|tool_arg:start|>ci<|tool_call:end|>" + CALL,
        [("get_time", {}), SEOUL],
        None,
        id="call_end_before_arg_name",
    ),
    pytest.param(
        "<|tool_call:start|>get_time\n<|tool_arg:start|>ci" + CALL,
        [("get_time", {}), SEOUL],
        None,
        id="restart_before_arg_name",
    ),
    pytest.param(
        "<|tool_call:start|>get_weather\n<|tool_arg:start|>ci<|tool_arg:start|>city<|tool_arg:value|>Seoul"
        "<|tool_arg:end|>\n<|tool_call:end|>",
        [SEOUL],
        None,
        id="arg_start_before_arg_name",
    ),
    pytest.param(
        "<|tool_call:start|>search\n<|tool_arg:start|>query<|tool_arg:value|>what does <|tool_call: mean"
        "<|tool_arg:end|>\n<|tool_call:end|>",
        [("search", {"query": "what does <|tool_call: mean"})],
        None,
        id="literal_call_sentinel_prefix_in_value",
    ),
    pytest.param(
        "<|tool_call:start|>search\n<|tool_arg:start|>query<|tool_arg:value|>first<|tool_arg:end|>\n"
        "<|tool_arg:start|>query<|tool_arg:value|>second<|tool_arg:end|>\n<|tool_call:end|>",
        [("search", {"query": "first"})],
        None,
        id="repeated_argument_name_keeps_first",
    ),
]


@pytest.mark.parametrize("text, expected, content", EXTRACT)
def test_extract_tool_calls(text, expected, content):
    parsed = parse(text)
    assert calls(parsed) == expected
    assert parsed.content == content


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(
            "Let me check.<|tool_call:start|>search\n<|tool_arg:start|>query<|tool_arg:value|>Seo",
            id="unterminated",
        ),
        pytest.param(
            "Writing the file.<|tool_call:start|>write_file\n"
            "<|tool_arg:start|>path<|tool_arg:value|>/tmp/a.py<|tool_arg:end|>\n"
            "<|tool_arg:start|>content<|tool_arg:value|>" + "".join(f"line {i}\n" for i in range(200)),
            id="truncated_multiline_value",
        ),
    ],
)
def test_unterminated_block_returns_raw_output(text):
    parsed = parse(text, tools=TOOLS)
    assert parsed.tool_calls == [] and parsed.content == text


def _typed(name: str, raw: str):
    text = (
        f"<|tool_call:start|>do_all_types\n<|tool_arg:start|>{name}<|tool_arg:value|>{raw}<|tool_arg:end|>\n"
        "<|tool_call:end|>"
    )
    return calls(parse(text, tools=TOOLS))[0][1]


# vLLM ...::TestTypeCoercion
@pytest.mark.parametrize(
    "name, raw, expected",
    [
        ("i", "42", 42),
        ("n", "3.14", 3.14),
        ("n", "7.0", 7),
        ("b", "true", True),
        ("b", "True", True),
        ("b", "1", True),
        ("b", "false", False),
        ("b", "False", False),
        ("b", "0", False),
        ("b", "yes", "yes"),
        ("b", "no", "no"),
        ("arr", "[1, 2, 3]", [1, 2, 3]),
        ("obj", '{"k": "v"}', {"k": "v"}),
        ("maybe_int", "9", 9),
        ("i", "null", None),
        ("s", "42", "42"),
        ("i", "not-a-number", "not-a-number"),
    ],
)
def test_type_coercion(name, raw, expected):
    assert _typed(name, raw) == {name: expected}


def test_unknown_function_param_and_malformed_schema_stay_text():
    # ...::test_unknown_function_falls_back_to_string, ::test_unknown_param_..., ::test_malformed_properties_...
    for text, want in [
        (
            "<|tool_call:start|>unknown_fn\n<|tool_arg:start|>x<|tool_arg:value|>5<|tool_arg:end|>\n",
            {"x": "5"},
        ),
        (
            "<|tool_call:start|>search\n<|tool_arg:start|>undeclared<|tool_arg:value|>5<|tool_arg:end|>\n",
            {"undeclared": "5"},
        ),
        (
            "<|tool_call:start|>malformed\n<|tool_arg:start|>count<|tool_arg:value|>7<|tool_arg:end|>\n",
            {"count": "7"},
        ),
    ]:
        assert calls(parse(text + "<|tool_call:end|>", tools=TOOLS))[0][1] == want


@pytest.mark.parametrize("chunk_size", [1, 4, 7, 1000])
@pytest.mark.parametrize("text", [pytest.param(case.values[0], id=case.id) for case in EXTRACT])
def test_stream_parity_with_parse(text, chunk_size):
    # ...::TestStreaming::test_parity_with_non_stream / ::test_various_chunk_sizes
    stream = get_hermes().parser("solar_open2").stream(tools=TOOLS)
    deltas = [d for i in range(0, len(text), chunk_size) for d in stream.feed(text[i : i + chunk_size])]
    content, got = join_deltas(deltas + stream.finish())
    whole = parse(text, tools=TOOLS)
    assert content == whole.content
    assert [(c["function"]["name"], c["function"]["arguments"]) for c in got] == [
        (c.function.name, c.function.arguments) for c in whole.tool_calls
    ]


def test_empty_function_name_is_not_a_call():
    """Deliberate difference: vLLM emits a call named "" (``test_empty_function_name_is_parsed_as_empty``)."""
    text = "<|tool_call:start|>\n<|tool_arg:start|>city<|tool_arg:value|>Seoul<|tool_arg:end|>\n<|tool_call:end|>"
    assert parse(text).tool_calls == []


def test_a_call_streams_whole_at_its_end_token_not_before():
    """vLLM's ``test_unterminated_block_returns_raw_output`` makes a call cut off before
    ``<|tool_call:end|>`` no call, so its name cannot go out earlier (a stream cannot take it back): the
    call is sent whole once its end token is in, before the text ends (issue 21)."""
    text = SEARCH + "\nThen more text."
    end = text.index("<|tool_call:end|>") + len("<|tool_call:end|>")
    stream = get_hermes().parser("solar_open2").stream(tools=TOOLS)
    early = [d for char in text[: end - 1] for d in stream.feed(char)]
    assert not any(d.tool_calls for d in early)
    _, got = join_deltas(stream.feed(text[end - 1]))
    assert [(c["function"]["name"], c["function"]["arguments"]) for c in got] == [
        ("search", '{"query": "vLLM tutorial", "max_results": 5}')
    ]
