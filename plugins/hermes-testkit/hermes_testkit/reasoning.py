"""Conformance suite for reasoning parsers: subclass :class:`ReasoningConformance` once per parser.

What every reasoning parser must hold:

- the samples split exactly into ``(reasoning, content)``; nothing raises (every truncation, hypothesis
  fuzz built from the format's own markers);
- streaming: ``stream()`` fed in chunks of 1, 2, 3, 7, 64 characters, at hypothesis-drawn cuts and in one
  piece joins (:func:`hermes_core.reasoning.join_reasoning`) to ``extract()`` of the whole text, and
  ``stream.result`` equals it; no delta is empty;
- linear time on bait (a start marker followed by a long run, no end);
- composed with a tool-call parser, :class:`~hermes_core.reasoning.ReasonedStream` joins to
  :func:`~hermes_core.reasoning.split_reasoning` of the whole text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hermes_core.reasoning import (
    ReasonedStream,
    ReasoningDelta,
    ReasoningParser,
    join_reasoning,
    split_reasoning,
)
from hermes_testkit.fuzz import examples
from hermes_testkit.linearity import assert_linear
from hermes_testkit.parsers import CHUNK_SIZES, _cut

__all__ = ["ReasoningConformance", "ReasoningSample", "assert_reasoning_stream_matches", "stream_reasoning"]


@dataclass
class ReasoningSample:
    """A completion in the parser's format and its split (``None`` where empty)."""

    text: str
    reasoning: str | None
    content: str | None
    thinking: bool | None = None


def stream_reasoning(parser: ReasoningParser, chunks: list[str]) -> tuple[Any, list[ReasoningDelta]]:
    stream = parser.stream()
    deltas: list[ReasoningDelta] = []
    for chunk in chunks:
        deltas.extend(stream.feed(chunk))
    deltas.extend(stream.finish())
    return stream, deltas


def assert_reasoning_stream_matches(parser: ReasoningParser, text: str, chunks: list[str]) -> None:
    """``text`` streamed in ``chunks`` joins to ``extract(text)``; ``stream.result`` agrees."""
    expected = parser.extract(text)
    stream, deltas = stream_reasoning(parser, chunks)
    for delta in deltas:
        assert isinstance(delta, ReasoningDelta)
        assert delta.reasoning or delta.content, "an empty delta"
    where = f"chunks {chunks[:8]!r}... of {text[:300]!r}"
    assert join_reasoning(deltas) == expected, "streamed split differs from extract(): " + where
    assert stream.result == expected, "stream.result differs from extract(): " + where


def _chunks_at(text: str, cuts: list[int]) -> list[str]:
    points = sorted({c for c in cuts if 0 < c < len(text)})
    edges = [0, *points, len(text)]
    return [text[a:b] for a, b in zip(edges, edges[1:], strict=False)] or [""]


class ReasoningConformance:
    """Subclass and set ``parser_name`` (resolved through the installed plugins) and ``samples``;
    ``tool_parser_name`` (optional) checks the composition with that tool-call parser on ``samples``."""

    parser_name: ClassVar[str] = ""
    samples: ClassVar[list[ReasoningSample]] = []
    tool_parser_name: ClassVar[str | None] = None
    fuzz_words: ClassVar[tuple[str, ...]] = ("a", " ", "\n", "<", ">", "think", "/", "x y")

    def make_parser(self, thinking: bool | None = None) -> ReasoningParser:
        from hermes_core.plugins import get_hermes

        return get_hermes().reasoning_parsers.get(self.parser_name)(thinking=thinking)

    def _markers(self) -> list[str]:
        parser = self.make_parser()
        found = []
        for attr in ("starts", "ends", "implicit_ends", "drop_in_content"):
            found.extend(getattr(parser, attr, ()) or ())
        return found or ["<think>", "</think>"]

    def test_name_matches_registry(self):
        parser = self.make_parser()
        assert parser.name == self.parser_name or self.parser_name in type(parser).aliases

    def test_samples_split_exactly(self):
        assert self.samples, "give at least one real completion"
        for sample in self.samples:
            got = self.make_parser(sample.thinking).extract(sample.text)
            assert got == (sample.reasoning, sample.content), sample.text

    def test_every_truncation_never_raises_and_streams_alike(self):
        for sample in self.samples:
            parser = self.make_parser(sample.thinking)
            for cut in range(len(sample.text) + 1):
                text = sample.text[:cut]
                reasoning, content = parser.extract(text)
                assert reasoning is None or isinstance(reasoning, str)
                assert content is None or isinstance(content, str)
                assert_reasoning_stream_matches(parser, text, [text[: cut // 2], text[cut // 2 :]])

    def test_fixed_chunk_sizes_stream_like_whole_text(self):
        for sample in self.samples:
            parser = self.make_parser(sample.thinking)
            for size in (*CHUNK_SIZES, max(1, len(sample.text))):
                assert_reasoning_stream_matches(parser, sample.text, _cut(sample.text, size))

    @settings(max_examples=examples(200), deadline=None, suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def test_any_cuts_stream_like_whole_text(self, data):
        pieces = st.sampled_from([*self._markers(), *self.fuzz_words])
        sample_texts = [s.text for s in self.samples] or [""]
        text = data.draw(st.one_of(st.sampled_from(sample_texts), st.lists(pieces, max_size=30).map("".join)))
        cuts = data.draw(st.lists(st.integers(0, max(0, len(text))), max_size=12))
        thinking = data.draw(st.sampled_from([None, True, False]))
        assert_reasoning_stream_matches(self.make_parser(thinking), text, _chunks_at(text, cuts))

    def test_linear_time_on_unclosed_reasoning(self):
        parser = self.make_parser()
        for marker in self._markers()[:3]:
            # small enough that 10x still fits the caches (beyond, memory bandwidth alone bends the ratio);
            # 45 still tells linear (~10x) from quadratic (~100x)
            assert_linear(parser.extract, marker + "x " + marker[:-1], small=1_000, max_ratio=45)

    def test_composition_with_a_tool_parser_streams_like_whole_text(self):
        if not self.tool_parser_name:
            return
        from hermes_core.plugins import get_hermes

        tool_parser = get_hermes().parser(self.tool_parser_name)
        for sample in self.samples:
            parser = self.make_parser(sample.thinking)
            whole = split_reasoning(sample.text, parser, tool_parser)
            for size in (1, 3, 64):
                stream = ReasonedStream(parser, tool_parser)
                deltas = []
                for chunk in _cut(sample.text, size):
                    deltas.extend(stream.feed(chunk))
                deltas.extend(stream.finish())
                dumped = [d.model_dump() for d in deltas]
                reasoning = "".join(d.get("reasoning_content", "") for d in dumped) or None
                assert reasoning == whole.reasoning
                assert stream.result.reasoning == whole.reasoning
                assert (stream.result.content or None) == (whole.content or None)
                got = [(c.function.name, c.function.arguments) for c in stream.result.tool_calls]
                assert got == [(c.function.name, c.function.arguments) for c in whole.tool_calls]
