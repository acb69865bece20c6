"""``gigachat3``: cases from vLLM tests/tool_parsers/test_gigachat3_tool_parser.py."""

from __future__ import annotations

import json

import pytest

from hermes_core.parsing_stream import join_deltas
from hermes_core.plugins import get_hermes
from hermes_testkit.parser_helpers import assert_streams_early
from hermes_testkit.parsers import ParserConformance, ParserSample

MSG_SEP = "<|message_sep|>\n\n"
HEADER_3 = "function call<|role_sep|>\n"
HEADER_31 = "<|function_call|>"
EOS = "</s>"
SIMPLE_ARGS = {"action": "create", "id": "preferences"}
COMPLEX_ARGS = {
    "action": "create",
    "id": "preferences",
    "content": {
        "short_answers": True,
        "hate_emojis": True,
        "english_ui": False,
        "russian_math_explanations": True,
    },
}
CONTENT = "I'll check that for you."


def call_json(arguments: dict) -> str:
    return json.dumps({"name": "manage_user_memory", "arguments": arguments}, ensure_ascii=False)


def gigachat3(arguments: dict) -> str:
    return f"{MSG_SEP}{HEADER_3}{call_json(arguments)}"


def gigachat31(arguments: dict) -> str:
    return f"{HEADER_31}{call_json(arguments)}"


# vLLM tests/tool_parsers/test_gigachat3_tool_parser.py::test_tool_call (20 cases: 10 shapes, streamed or not)
CASES = [
    pytest.param(gigachat3(SIMPLE_ARGS), SIMPLE_ARGS, None, id="simple_gigachat3"),
    pytest.param(gigachat3({}), {}, None, id="parameterless_gigachat3"),
    pytest.param(gigachat3(COMPLEX_ARGS), COMPLEX_ARGS, None, id="complex_gigachat3"),
    pytest.param(CONTENT + gigachat3(SIMPLE_ARGS), SIMPLE_ARGS, CONTENT, id="mixed_content_gigachat3"),
    pytest.param(
        CONTENT + gigachat3(SIMPLE_ARGS) + EOS, SIMPLE_ARGS, CONTENT, id="mixed_content_eos_gigachat3"
    ),
    pytest.param(gigachat31(SIMPLE_ARGS), SIMPLE_ARGS, None, id="simple_gigachat31"),
    pytest.param(gigachat31({}), {}, None, id="parameterless_gigachat31"),
    pytest.param(gigachat31(COMPLEX_ARGS), COMPLEX_ARGS, None, id="complex_gigachat31"),
    pytest.param(CONTENT + gigachat31(SIMPLE_ARGS), SIMPLE_ARGS, CONTENT, id="mixed_content_gigachat31"),
    pytest.param(
        CONTENT + gigachat31(SIMPLE_ARGS) + EOS, SIMPLE_ARGS, CONTENT, id="mixed_content_eos_gigachat31"
    ),
]


def parser():
    return get_hermes().parser("gigachat3")


class TestGigaChat3Conformance(ParserConformance):
    parser_name = "gigachat3"
    samples = [
        ParserSample(CONTENT + gigachat3(SIMPLE_ARGS) + EOS, [("manage_user_memory", SIMPLE_ARGS)], CONTENT),
        ParserSample(gigachat31(COMPLEX_ARGS), [("manage_user_memory", COMPLEX_ARGS)]),
        ParserSample(CONTENT + gigachat31({}), [("manage_user_memory", {})], CONTENT),
    ]


def test_no_tool_call():
    # vLLM ...::test_no_tool_call
    parsed = parser().parse("How can I help you today?")
    assert parsed.tool_calls == [] and parsed.content == "How can I help you today?"


@pytest.mark.parametrize("text, arguments, content", CASES)
def test_tool_call(text, arguments, content):
    parsed = parser().parse(text)
    assert parsed.content == content
    assert [(c.function.name, json.loads(c.function.arguments)) for c in parsed.tool_calls] == [
        ("manage_user_memory", arguments)
    ]


@pytest.mark.parametrize("text, arguments, content", CASES)
@pytest.mark.parametrize("size", [1, 3, 40])
def test_streaming_split_special_tokens(text, arguments, content, size):
    # vLLM ...::test_streaming_split_special_tokens and ::test_streaming_tool_call_with_large_steps:
    # markers cut across deltas never leak into content or arguments
    stream = parser().stream()
    deltas = [d for i in range(0, len(text), size) for d in stream.feed(text[i : i + size])]
    streamed_content, calls = join_deltas(deltas + stream.finish())
    assert streamed_content == content
    assert [json.loads(c["function"]["arguments"]) for c in calls] == [arguments]


def test_arguments_must_be_an_object_as_in_vllm():
    text = HEADER_31 + '{"name": "f", "arguments": "not an object"}'
    assert parser().parse(text).tool_calls == []


def test_raw_newline_inside_a_string_is_accepted_like_vllm_strict_false():
    text = HEADER_31 + '{"name": "note", "arguments": {"text": "line one\nline two"}}'
    parsed = parser().parse(text)
    assert json.loads(parsed.tool_calls[0].function.arguments) == {"text": "line one\nline two"}


def test_broken_json_is_content():
    text = CONTENT + HEADER_31 + '{"arguments": {"a": 1}, "name": '
    parsed = parser().parse(text)
    assert parsed.tool_calls == [] and parsed.content == text


def test_cut_off_call_keeps_its_name_and_certain_arguments():
    """vLLM's stream sends the name once written and cannot take it back, so a text that stops inside
    a name-first call still has the call: its arguments closed at their last commit point."""
    parsed = parser().parse(CONTENT + HEADER_31 + '{"name": "f", "arguments": {"path": "a.txt", "n": 1')
    assert parsed.content == CONTENT
    assert [(c.function.name, json.loads(c.function.arguments)) for c in parsed.tool_calls] == [
        ("f", {"path": "a.txt"})
    ]


@pytest.mark.parametrize("header", [MSG_SEP + HEADER_3, HEADER_31])
def test_a_20_kb_argument_streams_before_the_call_ends(header):
    content = "\n".join(f"line {i}: print('x' * {i})" for i in range(800))[:20_000]
    arguments = {"path": "big.py", "content": content}
    text = CONTENT + header + call_json(arguments) + EOS
    name_by, end = text.index('"path"'), len(text) - len("}}" + EOS)
    early, _ = assert_streams_early(parser(), text, name="manage_user_memory", name_by=name_by, end=end)
    assert early == "{", "the name goes out before any argument"


def test_raw_newlines_stream_escaped():
    text = HEADER_31 + '{"name": "note", "arguments": {"text": "line one\nline two\tend"}}'
    for size in (1, 5, len(text)):
        stream = parser().stream()
        deltas = [d for i in range(0, len(text), size) for d in stream.feed(text[i : i + size])]
        _, calls = join_deltas(deltas + stream.finish())
        assert calls[0]["function"]["arguments"] == '{"text": "line one\\nline two\\tend"}'
