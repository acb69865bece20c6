"""The default ``ToolCallStream``: forwards plain text at once, stays linear, and equals ``parse()``.

Also proves that the conformance kit's checks catch the faults they exist for (a stream that loses
content, a parser that is quadratic), so a parser passing the kit means something.
"""

from __future__ import annotations

import json

import pytest

from hermes_core.parsing import FunctionCall, ParsedCompletion, ToolCall, ToolCallParser, make_call_id
from hermes_core.parsing_stream import StreamDelta, ToolCallDelta, ToolCallStream, join_deltas
from hermes_core.parsing_tags import TaggedJsonParser
from hermes_testkit.linearity import assert_linear
from hermes_testkit.parsers import assert_stream_matches_parse, check_deltas, stream_deltas


class Tagged(TaggedJsonParser):
    name = "tagged_test"
    start_tag = "<call>"
    end_tag = "</call>"


CALL = '<call>{"name": "f", "arguments": {"x": 1}}</call>'


def feed_all(stream: ToolCallStream, text: str, size: int = 1) -> list[StreamDelta]:
    out: list[StreamDelta] = []
    for start in range(0, len(text), size):
        out.extend(stream.feed(text[start : start + size]))
    return out


def content_of(deltas: list[StreamDelta]) -> str:
    return "".join(d.content or "" for d in deltas)


def test_plain_text_goes_out_at_once_but_a_possible_marker_waits():
    stream = Tagged().stream()
    assert content_of(stream.feed("Hello wor")) == "Hello wor"
    assert content_of(stream.feed("ld <ca")) == "ld"  # " <ca" may still become "<call>"
    assert content_of(stream.feed("t and more")) == " <cat and more"
    assert stream.finish() == []
    assert stream.result.content == "Hello world <cat and more"


def test_whitespace_before_a_call_is_dropped_and_content_is_exact():
    text = "Let me check.  \n\n" + CALL
    stream = Tagged().stream()
    deltas = feed_all(stream, text) + stream.finish()
    check_deltas(deltas)
    content, calls = join_deltas(deltas)
    assert content == "Let me check."
    assert [(c["function"]["name"], json.loads(c["function"]["arguments"])) for c in calls] == [
        ("f", {"x": 1})
    ]
    assert calls[0]["id"] == stream.result.tool_calls[0].id


def test_whitespace_that_is_not_before_a_call_is_forwarded():
    stream = Tagged().stream()
    sent = content_of(feed_all(stream, "a  \n  b   "))
    assert sent == "a  \n  b"  # the trailing run waits: a call may still follow
    assert content_of(stream.finish()) == "   "


def test_a_marker_cut_at_every_position_is_found():
    text = "intro " + CALL + " outro"
    for cut in range(len(text) + 1):
        parser = Tagged()
        assert_stream_matches_parse(parser, text, [text[:cut], text[cut:]])


def test_feed_after_finish_is_refused_and_finish_is_idempotent():
    stream = Tagged().stream()
    stream.feed(CALL)
    assert stream.finish() and stream.finish() == []
    with pytest.raises(RuntimeError):
        stream.feed("more")


def test_stream_with_tools_uses_them_and_leaves_the_parser_alone():
    parser = Tagged()
    tools = [{"type": "function", "function": {"name": "f"}}]
    stream = parser.stream(tools)
    assert stream.parser.tools is tools and parser.tools == []


def test_delta_wire_shape_omits_absent_fields():
    assert StreamDelta(content="hi").model_dump() == {"content": "hi"}
    header = ToolCallDelta(0, "call_1", "f", "").model_dump()
    assert header == {
        "index": 0,
        "id": "call_1",
        "type": "function",
        "function": {"name": "f", "arguments": ""},
    }
    assert ToolCallDelta(0, arguments='{"a"').model_dump() == {"index": 0, "function": {"arguments": '{"a"'}}


@pytest.mark.parametrize("unit", [" ", "\n\t", "word ", "<ca", "<ca  "])
def test_stream_is_linear_whatever_is_held_back(unit):
    """A long run of held-back whitespace (or marker prefixes) was re-scanned on every feed."""

    def stream_by_char(text: str) -> None:
        stream = Tagged().stream()
        for char in text:
            stream.feed(char)
        stream.finish()

    assert_linear(stream_by_char, unit, "x", small=3_000)


# --- the kit catches what it is there for --------------------------------------------------------------


class StripsLeadingContent(Tagged):
    """Content that is not the text before the marker: the default stream cannot be exact for it."""

    name = "strips_test"

    def extract(self, text):
        parsed = super().extract(text)
        if parsed is not None and parsed.content:
            parsed.content = parsed.content.strip()
        return parsed


class Quadratic(ToolCallParser):
    """Re-scans from every marker to the end (the fault of issue 15.1)."""

    name = "quadratic_test"
    start_markers = ("<q>",)

    def extract(self, text):
        calls = []
        pos = text.find("<q>")
        while pos >= 0:
            if "</q>" in text[pos:]:
                calls.append(ToolCall(make_call_id(), FunctionCall("f", "{}")))
            pos = text.find("<q>", pos + 1)
        return ParsedCompletion(None, calls)


def test_kit_catches_a_stream_that_differs_from_parse():
    text = "  Leading space.\n" + CALL
    with pytest.raises(AssertionError, match="streamed content differs"):
        assert_stream_matches_parse(StripsLeadingContent(), text, [text])
    assert_stream_matches_parse(Tagged(), text, [text])


def test_kit_catches_a_quadratic_parser():
    with pytest.raises(AssertionError, match="not linear"):
        assert_linear(Quadratic().parse, "<q>x", small=2_000)
    assert_linear(Tagged().parse, "<call>{'", small=2_000)


def test_kit_catches_malformed_deltas():
    header = StreamDelta(tool_calls=[ToolCallDelta(0, "call_1", "f", "")])
    with pytest.raises(AssertionError, match="only arguments"):
        check_deltas([header, StreamDelta(tool_calls=[ToolCallDelta(0, "call_2", None, "{}")])])
    with pytest.raises(AssertionError, match="out of order"):
        check_deltas([StreamDelta(tool_calls=[ToolCallDelta(1, "call_1", "f", "")])])
    with pytest.raises(AssertionError, match="carries its id"):
        check_deltas([StreamDelta(tool_calls=[ToolCallDelta(0, None, "f", "")])])
    check_deltas([header, StreamDelta(tool_calls=[ToolCallDelta(0, arguments="{}")])])


def test_stream_deltas_helper_returns_the_finished_stream():
    stream, deltas = stream_deltas(Tagged(), ["a ", CALL])
    assert stream.result is not None and join_deltas(deltas)[0] == "a"
