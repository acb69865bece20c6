# ruff: noqa: E501  (model outputs quoted whole, as in the reference suites)
"""``cohere_command3`` / ``cohere_command4``: cases from vLLM tests/tool_parsers/test_cohere_command_tool_parser.py."""

from __future__ import annotations

import json

import pytest

from hermes_core.parsing_stream import join_deltas
from hermes_core.plugins import get_hermes
from hermes_testkit.parsers import ParserConformance, ParserSample

SINGLE = """\
<|START_THINKING|> i will call foo with query1<|END_THINKING|><|START_ACTION|>
[
    {"tool_call_id": "0", "tool_name": "foo", "parameters": {"query": "query1"}}
]
<|END_ACTION|>"""
MULTIPLE = """\
<|START_THINKING|>first I think about foo<|END_THINKING|><|START_ACTION|>
[
    {"tool_call_id": "0", "tool_name": "foo", "parameters": {"query": "query1"}},
    {"tool_call_id": "1", "tool_name": "bar", "parameters": {"x": 42}}
]
<|END_ACTION|>"""
CITATIONS = """\
<|START_THINKING|>This is a rainbow <co>emoji: 🌈</co: 0:[1]><|END_THINKING|>
<|START_RESPONSE|>foo <co>bar</co: 0:[1,2],1:[3,4]><|END_RESPONSE|>"""
REASONING_ONLY = "<|START_THINKING|>just think, no response<|END_THINKING|>"
MARKERS = (
    "<|START_THINKING|>",
    "<|END_THINKING|>",
    "<|START_RESPONSE|>",
    "<|END_RESPONSE|>",
    "<|START_ACTION|>",
    "<|END_ACTION|>",
)
NAMES = ["cohere_command3", "cohere_command4"]


def parser(name: str):
    return get_hermes().parser(name)


def stream(name: str, text: str, size: int):
    s = parser(name).stream()
    deltas = [d for i in range(0, len(text), size) for d in s.feed(text[i : i + size])] + s.finish()
    return deltas, join_deltas(deltas)


class TestCohereCommand3Conformance(ParserConformance):
    parser_name = "cohere_command3"
    samples = [
        ParserSample(SINGLE, [("foo", {"query": "query1"})]),
        ParserSample(MULTIPLE, [("foo", {"query": "query1"}), ("bar", {"x": 42})]),
    ]


class TestCohereCommand4Conformance(ParserConformance):
    parser_name = "cohere_command4"
    samples = TestCohereCommand3Conformance.samples


# vLLM ...::TOOL_CALL_CASES (8 cases: 4 outputs x cmd3/cmd4), ::test_nonstreaming
@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize(
    "text, expected",
    [
        pytest.param(SINGLE, [("0", "foo", {"query": "query1"})], id="single_tool_call"),
        pytest.param(MULTIPLE, [("0", "foo", {"query": "query1"}), ("1", "bar", {"x": 42})], id="multiple"),
        pytest.param(CITATIONS, [], id="citations_no_tool_calls"),
        pytest.param(REASONING_ONLY, [], id="reasoning_only"),
    ],
)
def test_nonstreaming(name, text, expected):
    parsed = parser(name).parse(text)
    got = [(c.id, c.function.name, json.loads(c.function.arguments)) for c in parsed.tool_calls]
    assert got == expected  # the model's tool_call_id is kept, as vLLM asserts
    if expected:
        assert parsed.content is None  # the thinking is not content (vLLM: expected_content None)
    else:
        assert parsed.content == text  # no call: the text stays whole (hermes contract)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("size", [1, 2, 3, 4, 6])
def test_multi_token_chunks_no_marker_leak(name, size):
    # vLLM ...::TestSpeculativeDecodingMultiTokenDelta (both tests) and ::test_streaming_nonstreaming_agree
    deltas, (content, calls) = stream(name, SINGLE, size)
    assert content is None
    assert [(c["id"], c["function"]["name"], json.loads(c["function"]["arguments"])) for c in calls] == [
        ("0", "foo", {"query": "query1"})
    ]
    for delta in deltas:
        for part in [
            delta.content,
            *(t.name for t in delta.tool_calls),
            *(t.arguments for t in delta.tool_calls),
        ]:
            assert part is None or not any(marker in part for marker in MARKERS)


def test_answer_text_with_citations_becomes_content_when_there_are_calls():
    text = (
        "<|START_RESPONSE|>Searching <co>now</co: 0:[1]><|END_RESPONSE|>"
        '<|START_ACTION|>[{"tool_call_id": "0", "tool_name": "search", "parameters": {"q": "x"}}]<|END_ACTION|>'
    )
    parsed = parser("cohere_command4").parse(text)
    assert parsed.content == "Searching now"
    assert [c.function.name for c in parsed.tool_calls] == ["search"]


def test_duplicate_or_missing_ids_get_fresh_ones():
    text = (
        '<|START_ACTION|>[{"tool_call_id": "0", "tool_name": "a", "parameters": {}},'
        ' {"tool_call_id": "0", "tool_name": "b", "parameters": {}}, {"tool_name": "c"}]<|END_ACTION|>'
    )
    ids = [c.id for c in parser("cohere_command3").parse(text).tool_calls]
    assert ids[0] == "0" and len(set(ids)) == 3 and all(i.startswith("call_") for i in ids[1:])


def test_broken_action_keeps_the_calls_a_stream_sent():
    """A stream sends a call's name once ``"parameters": {`` is written; an action that breaks after it
    keeps that call, its parameters closed at their last commit point (as a cut-off one)."""
    text = '<|START_ACTION|>[{"tool_name": "a", "parameters": {"q": "x", <|END_ACTION|>'
    parsed = parser("cohere_command3").parse(text)
    assert [(c.function.name, c.function.arguments) for c in parsed.tool_calls] == [("a", '{"q": "x"}')]
    not_a_call = '<|START_ACTION|>[{"tool": "a"} <|END_ACTION|>'
    assert parser("cohere_command3").parse(not_a_call).content == not_a_call
