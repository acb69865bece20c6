"""gpt-oss harmony parser: conformance, vLLM's cases, streaming equivalence, linear time."""

import json
import random

import pytest
from hermes_parser_openai.parser import HarmonyParser
from hermes_parser_openai.samples import (
    ANALYSIS,
    CALL_THEN_FINAL,
    PARALLEL_CALLS,
    PREAMBLE_THEN_CALL,
    SINGLE_CALL,
    STOP_TOKEN_STRIPPED,
)

from hermes_core.parsing_stream import join_deltas
from hermes_testkit.parser_helpers import CODE_20KB, assert_streams_early
from hermes_testkit.parser_helpers import decoded_calls as calls
from hermes_testkit.parsers import ParserConformance, ParserSample

WEATHER = ("get_current_weather", {"location": "Tokyo"})


def streamed(parser, text, cuts):
    stream = parser.stream()
    deltas = []
    last = 0
    for cut in [*cuts, len(text)]:
        deltas += stream.feed(text[last:cut])
        last = cut
    deltas += stream.finish()
    return join_deltas(deltas), stream.result


def assert_stream_matches_parse(parser, text):
    rng = random.Random(len(text))
    cut_sets = [list(range(size, len(text), size)) for size in (1, 2, 3, 7, 64)]
    cut_sets += [sorted(rng.sample(range(len(text) + 1), min(len(text), 6))) for _ in range(5)]
    whole = parser.parse(text)
    for cuts in cut_sets:
        (content, got), result = streamed(parser, text, cuts)
        assert content == whole.content, (text, cuts)
        assert [(c["function"]["name"], c["function"]["arguments"]) for c in got] == [
            (c.function.name, c.function.arguments) for c in whole.tool_calls
        ]
        assert [c["id"] for c in got] == [c.id for c in result.tool_calls]


class TestHarmonyConformance(ParserConformance):
    parser_name = "openai"
    samples = [
        ParserSample(SINGLE_CALL, [WEATHER]),
        ParserSample(PARALLEL_CALLS, [WEATHER, ("get_user_location", {"precise": True})]),
        ParserSample(CALL_THEN_FINAL, [WEATHER], content="This tool call will get the weather."),
        ParserSample(
            PREAMBLE_THEN_CALL,
            [("search", {"query": "gpt-oss harmony", "top_k": 3})],
            content="Let me look that up.",
        ),
        ParserSample(STOP_TOKEN_STRIPPED, [("read_file", {"path": "README.md"})]),
    ]
    bait = [
        ("<|start|>assistant<|channel|>commentary to=functions.f<|message|>{", ""),
        ("<|channel|>commentary to=functions.f <|constrain|>json<|message|>", "<|call|>"),
        ("<|", ""),
    ]


def test_registered_names():
    from hermes_core.plugins import get_hermes

    for name in ("openai", "gpt_oss", "gpt-oss", "harmony"):
        assert isinstance(get_hermes().parser(name), HarmonyParser)


# vLLM tests/tool_parsers/test_openai_tool_parser.py::test_extract_tool_calls_no_tools
def test_final_answer_without_calls_is_whole_text():
    """vLLM returns the final channel's text; the hermes contract keeps the whole text when no call."""
    text = "<|channel|>final<|message|>This is a test<|return|>"
    parsed = HarmonyParser().parse(text)
    assert parsed.tool_calls == [] and parsed.content == text


# vLLM tests/tool_parsers/test_openai_tool_parser.py::test_extract_tool_calls_single_tool
def test_single_tool_json_normalised():
    for args in ('{"location": "Tokyo"}', '{\n"location": "Tokyo"\n}'):
        text = (
            ANALYSIS + "<|start|>assistant<|channel|>commentary to=functions.get_current_weather "
            f"<|constrain|>json<|message|>{args}<|call|>"
        )
        parsed = HarmonyParser().parse(text)
        assert calls(parsed) == [WEATHER] and parsed.content is None
        assert parsed.tool_calls[0].function.arguments == '{"location": "Tokyo"}'


# vLLM tests/tool_parsers/test_openai_tool_parser.py::test_extract_tool_calls_multiple_tools
def test_multiple_tools_with_and_without_content_type():
    def message(recipient, body, constrain=True):
        kind = " <|constrain|>json" if constrain else ""
        return (
            f"<|start|>assistant<|channel|>commentary to=functions.{recipient}{kind}<|message|>{body}<|call|>"
        )

    text = ANALYSIS + "".join(
        [
            message("get_current_weather", '{"location": "Tokyo"}'),
            message("get_user_location", '{"location": "Tokyo"}'),
            message("no_content_type", '{"location": "Tokyo"}', constrain=False),
            message("not_json_no_content_type", "foo", constrain=False),
            message("empty_args", "{}"),
            message("no_args", ""),
        ]
    )
    parsed = HarmonyParser().parse(text)
    # vLLM passes "foo" and "" through as they are; OpenAI arguments must be JSON, so: "\"foo\"", "{}"
    assert calls(parsed) == [
        WEATHER,
        ("get_user_location", {"location": "Tokyo"}),
        ("no_content_type", {"location": "Tokyo"}),
        ("not_json_no_content_type", "foo"),
        ("empty_args", {}),
        ("no_args", {}),
    ]
    assert parsed.content is None
    assert len({c.id for c in parsed.tool_calls}) == 6


# vLLM tests/tool_parsers/test_openai_tool_parser.py::test_extract_tool_calls_with_content
def test_final_channel_is_content():
    parsed = HarmonyParser().parse(CALL_THEN_FINAL)
    assert calls(parsed) == [WEATHER]
    assert parsed.content == "This tool call will get the weather."


def test_final_preferred_over_commentary_preamble():
    text = PREAMBLE_THEN_CALL + "<|start|>assistant<|channel|>final<|message|>Done.<|return|>"
    assert HarmonyParser().parse(text).content == "Done."


def test_truncated_final_text_counts_as_content():
    """As vLLM's ``parser.current_content``: a final message cut off still gives its text."""
    text = SINGLE_CALL + "<|start|>assistant<|channel|>final<|message|>Partial ans"
    assert HarmonyParser().parse(text).content == "Partial ans"


def test_builtin_tool_recipients_are_not_function_calls():
    text = (
        '<|channel|>analysis to=browser.search<|message|>{"query": "x"}<|call|>'
        "<|start|>assistant<|channel|>analysis to=python<|message|>print(1)<|call|>"
    )
    parsed = HarmonyParser().parse(text)
    assert parsed.tool_calls == [] and parsed.content == text


def test_cut_off_call_keeps_its_certain_arguments():
    """A stream sends the name once the object opens (vLLM's too): the call stays, closed at its last
    commit point; a body that is not an object still needs to be whole JSON or closed."""
    head = "<|channel|>commentary to=functions.f <|constrain|>json<|message|>"
    assert calls(HarmonyParser().parse(head + '{"a": 1, "b": ')) == [("f", {"a": 1})]
    assert calls(HarmonyParser().parse(head + '{"a": "Zür')) == [("f", {"a": "Zür"})]
    assert calls(HarmonyParser().parse(head + '{"a": 1} trailing<|call|>')) == [("f", {"a": 1})]
    assert HarmonyParser().parse(head + "[1, ").tool_calls == []
    assert calls(HarmonyParser().parse(STOP_TOKEN_STRIPPED)) == [("read_file", {"path": "README.md"})]


def test_recipient_in_role_part_and_constrain_variants():
    text = (
        "<|start|>assistant to=functions.lookup<|channel|>co"
        'mmentary<|constrain|>json<|message|>{"k": 1}<|call|>'
    )
    assert calls(HarmonyParser().parse(text)) == [("lookup", {"k": 1})]


def test_reasoning_quoting_tokens_as_text_is_not_a_call():
    text = "<|channel|>analysis<|message|>I could write to=functions.f here.<|end|>"
    assert HarmonyParser().parse(text).tool_calls == []


def test_stream_equals_parse_for_every_cut():
    parser = HarmonyParser()
    texts = [
        SINGLE_CALL,
        PARALLEL_CALLS,
        CALL_THEN_FINAL,
        PREAMBLE_THEN_CALL,
        STOP_TOKEN_STRIPPED,
        "Lead text <|channel|>final<|message|>no calls<|return|>",
        "<|channel|>final<|message|>First<|end|>"
        + SINGLE_CALL
        + "<|start|>assistant<|channel|>final<|message|>x<|",
        "plain text only, <| not a token",
    ]
    for text in texts:
        assert_stream_matches_parse(parser, text)


def test_stream_sends_final_text_before_the_end():
    stream = HarmonyParser().stream()
    sent = stream.feed(SINGLE_CALL + "<|start|>assistant<|channel|>final<|message|>It is sun")
    assert "".join(d.content or "" for d in sent) == "It is sun"
    assert "".join(d.content or "" for d in stream.feed("ny.")) == "ny."


def test_recipient_after_the_constraint():
    text = (
        '<|start|>assistant<|channel|>commentary <|constrain|>json to=functions.f<|message|>{"k": 2}<|call|>'
    )
    assert calls(HarmonyParser().parse(text)) == [("f", {"k": 2})]


def test_a_20_kb_argument_streams_before_the_call_ends():
    content = CODE_20KB
    body = json.dumps({"path": "big.py", "content": content}, indent=1)  # re-encoded as it streams
    text = ANALYSIS + "<|start|>assistant<|channel|>commentary to=functions.write_file <|constrain|>json"
    text += "<|message|>" + body + "<|call|>"
    whole = HarmonyParser().parse(text).tool_calls[0].function.arguments
    assert whole == json.dumps({"path": "big.py", "content": content}, ensure_ascii=False)
    name_by, end = text.index('"big.py"'), len(text) - len("}<|call|>")
    early, _ = assert_streams_early(HarmonyParser(), text, name="write_file", name_by=name_by, end=end)
    assert early == "{", "no argument before the first one ends"


@pytest.mark.parametrize(
    "body",
    [
        '{"a": 1, "b": {"c": 2, "c": 3}, "a": [4, 5]}',  # keys written twice: both pairs kept
        '{"e": "\\ud83d\\ude00 and \\u00e9 \\" \\\\ud83d"}',  # surrogate pair, escapes
        '{\n  "n": -1.5e3,\n  "t": true, "x": null, "s": "\\/"\n}',
    ],
)
def test_streamed_arguments_equal_the_normalised_parse(body):
    text = "<|channel|>commentary to=functions.f <|constrain|>json<|message|>" + body + "<|call|>"
    parsed = HarmonyParser().parse(text)
    assert json.loads(parsed.tool_calls[0].function.arguments) == json.loads(body)
    assert_stream_matches_parse(HarmonyParser(), text)
