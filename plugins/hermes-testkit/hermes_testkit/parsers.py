"""Conformance suite for tool-call parsers: subclass :class:`ParserConformance` once per parser.

What every parser must hold, whatever its format:

- parsing: the samples parse exactly; plain text stays content unchanged; nothing raises (every
  truncation, hypothesis fuzz); a ``<think>`` block does not break it;
- streaming: ``stream()`` fed in chunks of 1, 2, 3, 7, 64 characters, at token-aligned cuts, at random
  cuts and in one delta puts back together (``join_deltas``) to ``parse()`` of the whole text; a parser
  that streams calls (``partial_calls``) sends a call's name before the call's text ends (a key/value
  format that sets ``parameter_end``: before its first parameter closes, that parameter before the call
  ends); deltas are well formed (``index``, ``id``, ``type`` and ``function.name`` in a call's first
  fragment, then only ``arguments``); plain text is not held back longer than the longest start-marker
  prefix (plus trailing whitespace);
- linear time on bait (repeated start markers without an end): parse of 100k repetitions costs about
  10x parse of 10k, never about 100x;
- sharing: one parser is safe across threads, with or without per-call ``tools``, and
  ``parse(text, tools=...)`` leaves the shared instance untouched.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from typing import Any, ClassVar

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hermes_core.parsing import ParsedCompletion, ToolCallParser
from hermes_core.parsing_stream import StreamDelta, join_deltas
from hermes_testkit.fuzz import examples
from hermes_testkit.linearity import BAIT_TAILS, assert_linear, bait_shapes

__all__ = [
    "ParserConformance",
    "ParserSample",
    "assert_linear",
    "assert_stream_matches_parse",
    "bait_shapes",
    "check_deltas",
    "stream_deltas",
]

CHUNK_SIZES = (1, 2, 3, 7, 64)


@dataclass
class ParserSample:
    """A real completion in the parser's format and the calls it must yield, in order."""

    text: str
    calls: list[tuple[str, dict[str, Any]]]
    content: str | None = None
    tools: list[dict[str, Any]] = field(default_factory=list)


def _assert_shape(parsed: ParsedCompletion, text: str) -> None:
    assert isinstance(parsed, ParsedCompletion)
    assert parsed.content is None or isinstance(parsed.content, str)
    for call in parsed.tool_calls:
        assert call.type == "function"
        assert isinstance(call.id, str) and call.id
        assert isinstance(call.function.name, str) and call.function.name
        assert isinstance(call.function.arguments, str)
        json.loads(call.function.arguments)  # always valid JSON
    if not parsed.tool_calls:
        assert parsed.content == text, "no calls found: the whole text must stay content"


# --- streaming ------------------------------------------------------------------------------------------


def stream_deltas(parser: ToolCallParser, chunks: list[str], tools=None):
    """Feed ``chunks`` to a new stream and finish it: ``(stream, all deltas)``."""
    stream = parser.stream(tools)
    deltas: list[StreamDelta] = []
    for chunk in chunks:
        deltas.extend(stream.feed(chunk))
    deltas.extend(stream.finish())
    return stream, deltas


def check_deltas(deltas: list[StreamDelta]) -> None:
    """OpenAI's chunk shape: a call opens with index, id and name (indexes 0, 1, ... in order), then
    only carries ``arguments`` pieces."""
    opened: list[int] = []
    for delta in deltas:
        assert isinstance(delta, StreamDelta)
        assert delta.content is None or isinstance(delta.content, str)
        assert delta.content is not None or delta.tool_calls, "an empty delta"
        for part in delta.tool_calls:
            if part.index not in opened:
                assert part.index == len(opened), f"call index {part.index} out of order"
                opened.append(part.index)
                assert isinstance(part.id, str) and part.id, "a call's first fragment carries its id"
                assert isinstance(part.name, str) and part.name, "a call's first fragment carries its name"
                assert part.model_dump().get("type") == "function"
            else:
                assert part.id is None and part.name is None, "after the first fragment only arguments"
            assert part.arguments is None or isinstance(part.arguments, str)


def assert_stream_matches_parse(parser: ToolCallParser, text: str, chunks: list[str], tools=None) -> None:
    """``text`` streamed in ``chunks`` puts back together to ``parse(text)``: content, calls, ids."""
    expected = parser.parse(text, tools=tools)
    stream, deltas = stream_deltas(parser, chunks, tools)
    check_deltas(deltas)
    content, calls = join_deltas(deltas)
    where = f"chunks {chunks[:8]!r}... of {text[:300]!r}"
    assert (content or None) == (expected.content or None), "streamed content differs from parse(): " + where
    got = [(c["function"]["name"], json.loads(c["function"]["arguments"] or "{}")) for c in calls]
    want = [(c.function.name, json.loads(c.function.arguments)) for c in expected.tool_calls]
    assert got == want, "streamed calls differ from parse(): " + where
    assert stream.result is not None, "finish() must set stream.result"
    assert [c["id"] for c in calls] == [c.id for c in stream.result.tool_calls], "ids differ from result"
    assert (stream.result.content or None) == (expected.content or None)


_TOKEN = re.compile(r"\s+|\w+|[^\w\s]")


def _marker_cuts(text: str, markers: tuple[str, ...]) -> list[str]:
    """``text`` cut before and after every start marker."""
    bounds = {0, len(text)}
    for marker in markers:
        found = text.find(marker) if marker else -1
        while found >= 0:
            bounds.update((found, found + len(marker)))
            found = text.find(marker, found + 1)
    points = sorted(bounds)
    return [text[a:b] for a, b in zip(points, points[1:], strict=False)] or [""]


def _cut(text: str, size: int) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


class ParserConformance:
    """Subclass and set ``parser_name`` (resolved through the installed plugins) and ``samples``.

    ``bait`` adds format-specific ``(unit, suffix)`` shapes to the linear-time check (the defaults are
    each start marker followed by each of ``bait_tails``: ``{'``, ``{``, ``<``, ... with no end).
    """

    parser_name: ClassVar[str] = ""
    samples: ClassVar[list[ParserSample]] = []
    plain_texts: ClassVar[list[str]] = [
        "Just an answer, no tools needed.",
        "",
        "  leading and trailing whitespace kept  \n",
        '{"name": "not", "arguments": "a call"} mentioned in prose',
        "<think>I will not call anything</think>The answer is 4.",
        "Whitespace runs:   \n\n\t  then more text.\n\n",
    ]
    bait: ClassVar[list[tuple[str, str]]] = []
    bait_tails: ClassVar[tuple[str, ...]] = BAIT_TAILS
    parameter_end: ClassVar[str] = ""
    """Key/value formats that stream parameter by parameter (``</parameter>``): the tag that closes a
    parameter; the name of a call must go out before its first parameter closes."""

    def make_parser(self, tools: list[dict[str, Any]] | None = None) -> ToolCallParser:
        from hermes_core.plugins import get_hermes

        return get_hermes().parser(self.parser_name, tools=tools)

    def _texts(self) -> list[tuple[str, list[dict[str, Any]] | None]]:
        return [(s.text, s.tools or None) for s in self.samples] + [(t, None) for t in self.plain_texts]

    def test_samples_parse_exactly(self):
        assert self.samples, "give at least one real completion"
        for sample in self.samples:
            parsed = self.make_parser(sample.tools).parse(sample.text)
            _assert_shape(parsed, sample.text)
            got = [(c.function.name, json.loads(c.function.arguments)) for c in parsed.tool_calls]
            assert got == sample.calls, sample.text
            if sample.content is not None or sample.calls:
                assert parsed.content == sample.content, sample.text
            ids = [c.id for c in parsed.tool_calls]
            assert len(set(ids)) == len(ids), "call ids must be unique"

    def test_plain_text_is_content_unchanged(self):
        parser = self.make_parser()
        for text in self.plain_texts:
            parsed = parser.parse(text)
            assert parsed.tool_calls == [] and parsed.content == text

    def test_every_truncation_never_raises(self):
        parser = self.make_parser()
        for sample in self.samples:
            for cut in range(len(sample.text) + 1):
                _assert_shape(parser.parse(sample.text[:cut]), sample.text[:cut])

    @settings(max_examples=examples(300), deadline=None, suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def test_random_and_adversarial_input_never_raises(self, data):
        parser = self.make_parser()
        text = data.draw(self._fuzz_text())
        _assert_shape(parser.parse(text), text)

    def _fuzz_text(self):
        markers = list(self.make_parser().start_markers) or ["<tool_call>"]
        pieces = st.one_of(
            st.text(max_size=40),
            st.sampled_from(markers),
            st.sampled_from(['{"name":', '"arguments":', "{", "}", "[", "]", '"', "\\", "\n", ";", ","]),
            st.sampled_from([s.text[: len(s.text) // 2] for s in self.samples] or [""]),
        )
        return st.lists(pieces, max_size=12).map("".join)

    def test_think_block_does_not_break_parsing(self):
        for sample in self.samples:
            text = "<think>Let me think about <b>which</b> tool.</think>\n" + sample.text
            got = self.make_parser(sample.tools).parse(text)
            names = [c.function.name for c in got.tool_calls]
            assert names == [name for name, _ in sample.calls]

    # --- streaming --------------------------------------------------------------------------------------

    def test_stream_equals_parse_for_fixed_chunk_sizes(self):
        parser = self.make_parser()
        for text, tools in self._texts():
            for size in CHUNK_SIZES:
                assert_stream_matches_parse(parser, text, _cut(text, size), tools)

    @settings(max_examples=examples(150), deadline=None, suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def test_stream_equals_parse_at_random_cuts(self, data):
        parser = self.make_parser()
        texts = self._texts()
        text, tools = data.draw(st.sampled_from(texts)) if data.draw(st.booleans()) else (None, None)
        if text is None:
            text = data.draw(self._fuzz_text())
        cuts = sorted(set(data.draw(st.lists(st.integers(0, len(text)), max_size=12))))
        bounds = [0, *cuts, len(text)]
        chunks = [text[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]
        assert_stream_matches_parse(parser, text, chunks, tools)

    def test_stream_equals_parse_for_token_cuts(self):
        """Cuts where a tokenizer cuts (words, runs of spaces, single symbols), each marker arriving whole,
        and the whole text (every call) in one delta."""
        parser = self.make_parser()
        for text, tools in self._texts():
            assert_stream_matches_parse(parser, text, _TOKEN.findall(text) or [""], tools)
            assert_stream_matches_parse(parser, text, _marker_cuts(text, parser.start_markers), tools)
            assert_stream_matches_parse(parser, text, [text], tools)

    def test_calls_stream_before_the_text_ends(self):
        """A parser that streams arguments (``partial_calls``) sends a call's header before the text ends;
        one with ``call_end_markers`` sends the first call once its end marker is in."""
        parser = self.make_parser()
        streams_arguments = type(parser).partial_calls is not ToolCallParser.partial_calls
        ends = [m for m in parser.call_end_markers if m]
        if not streams_arguments and not ends:
            return
        for sample in self.samples:
            if not sample.calls:
                continue
            if streams_arguments:
                stop = len(sample.text) - 1
            else:
                found = [sample.text.find(m) + len(m) for m in ends if m in sample.text]
                if not found:
                    continue
                stop = min(found)
            stream = parser.with_tools(sample.tools or None).stream()
            names = []
            for char in sample.text[:stop]:
                names += [p.name for d in stream.feed(char) for p in d.tool_calls if p.name]
            assert names[:1] == [sample.calls[0][0]], f"no call streamed from {sample.text[:stop]!r}"

    def test_name_streams_before_the_first_parameter_closes(self):
        """Key/value formats (``parameter_end`` set): the header comes as soon as the name is written, not
        when the call or its first (maybe 20 KB) parameter ends; the first parameter before the call ends."""
        if not self.parameter_end:
            return
        parser = self.make_parser()
        checked = 0
        for sample in self.samples:
            start = min((i for i in map(sample.text.find, parser.start_markers) if i >= 0), default=-1)
            close = sample.text.find(self.parameter_end, max(start, 0))
            if not sample.calls or start < 0 or close < 0 or not sample.calls[0][1]:
                continue
            stream = parser.with_tools(sample.tools or None).stream()
            parts = [p for char in sample.text[:close] for d in stream.feed(char) for p in d.tool_calls]
            assert [p.name for p in parts if p.name][:1] == [sample.calls[0][0]], (
                f"no name streamed from {sample.text[:close]!r}"
            )
            assert "".join(p.arguments or "" for p in parts if p.index == 0) == "{", "a value sent too early"
            # the stream reads again as the call grows (by a share): by the next parameter's end at the latest
            later = sample.text.find(self.parameter_end, close + len(self.parameter_end))
            rest = sample.text[close : later if later >= 0 else len(sample.text) - 1]
            parts = [p for char in rest for d in stream.feed(char) for p in d.tool_calls]
            sent = "{" + "".join(p.arguments or "" for p in parts if p.index == 0)
            first_key = json.dumps(next(iter(sample.calls[0][1])), ensure_ascii=False)
            assert sent.startswith("{" + first_key + ": "), f"first parameter not sent once closed: {sent!r}"
            checked += 1
        assert checked, "no sample has a call with a parameter"

    def test_plain_text_is_not_held_back(self):
        parser = self.make_parser()
        markers = [m for m in parser.start_markers if m]
        longest = max((len(m) for m in markers), default=0)
        texts = [t for t in self.plain_texts if markers and not any(m in t for m in markers)]
        for text in texts:
            for size in (1, 3, len(text) or 1):
                stream = parser.stream()
                sent = ""
                fed = 0
                for chunk in _cut(text, size):
                    fed += len(chunk)
                    deltas = stream.feed(chunk)
                    assert not any(d.tool_calls for d in deltas), "a call out of plain text"
                    sent += "".join(d.content or "" for d in deltas)
                    assert text.startswith(sent), f"content forwarded out of order: {sent!r}"
                    held = text[len(sent) : fed].lstrip()
                    assert len(held) <= longest - 1, (
                        f"{held!r} held back from {text[:fed]!r}: more than a marker prefix"
                    )

    # --- linear time ------------------------------------------------------------------------------------

    def test_linear_time_on_bait(self):
        parser = self.make_parser()
        for unit, suffix in [*bait_shapes(parser, self.bait_tails), *self.bait]:
            assert_linear(parser.parse, unit, suffix)

    # --- sharing ----------------------------------------------------------------------------------------

    def test_thread_safe(self):
        parser = self.make_parser()
        work_items = [(s.text, s.tools or None) for s in self.samples]
        expected = [
            [(c.function.name, c.function.arguments) for c in parser.parse(text, tools=tools).tool_calls]
            for text, tools in work_items
        ]
        errors: list[Any] = []

        def work():
            for _ in range(50):
                for (text, tools), want in zip(work_items, expected, strict=True):
                    got = parser.parse(text, tools=tools).tool_calls
                    if [(c.function.name, c.function.arguments) for c in got] != want:
                        errors.append(got)

        threads = [threading.Thread(target=work) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors

    def test_parse_with_tools_leaves_shared_parser_untouched(self):
        parser = self.make_parser()
        tools_before = parser.tools
        snapshot = list(tools_before)
        before = [self._summary(parser.parse(s.text)) for s in self.samples]
        for sample in self.samples:
            other_tools = sample.tools or [{"type": "function", "function": {"name": "unrelated_tool"}}]
            parser.parse(sample.text, tools=other_tools)
            assert parser.with_tools(other_tools) is not parser or other_tools is parser.tools
        assert parser.tools is tools_before and parser.tools == snapshot
        assert [self._summary(parser.parse(s.text)) for s in self.samples] == before

    @staticmethod
    def _summary(parsed: ParsedCompletion):
        return parsed.content, [(c.function.name, c.function.arguments) for c in parsed.tool_calls]
