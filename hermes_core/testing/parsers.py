"""Conformance suite for tool-call parsers: subclass :class:`ParserConformance` once per parser."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import Any, ClassVar

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hermes_core.parsing import ParsedCompletion, ToolCallParser


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


class ParserConformance:
    """Subclass and set ``parser_name`` (resolved through the installed plugins) and ``samples``."""

    parser_name: ClassVar[str] = ""
    samples: ClassVar[list[ParserSample]] = []
    plain_texts: ClassVar[list[str]] = [
        "Just an answer, no tools needed.",
        "",
        "  leading and trailing whitespace kept  \n",
        '{"name": "not", "arguments": "a call"} mentioned in prose',
        "<think>I will not call anything</think>The answer is 4.",
    ]

    def make_parser(self, tools: list[dict[str, Any]] | None = None) -> ToolCallParser:
        from hermes_core.plugins import get_hermes

        return get_hermes().parser(self.parser_name, tools=tools)

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

    @settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def test_random_and_adversarial_input_never_raises(self, data):
        parser = self.make_parser()
        markers = list(type(parser).start_markers) or ["<tool_call>"]
        pieces = st.one_of(
            st.text(max_size=40),
            st.sampled_from(markers),
            st.sampled_from(['{"name":', '"arguments":', "{", "}", "[", "]", '"', "\\", "\n", ";", ","]),
            st.sampled_from([s.text[: len(s.text) // 2] for s in self.samples] or [""]),
        )
        text = "".join(data.draw(st.lists(pieces, max_size=12)))
        _assert_shape(parser.parse(text), text)

    def test_think_block_does_not_break_parsing(self):
        for sample in self.samples:
            text = "<think>Let me think about <b>which</b> tool.</think>\n" + sample.text
            got = self.make_parser(sample.tools).parse(text)
            names = [c.function.name for c in got.tool_calls]
            assert names == [name for name, _ in sample.calls]

    def test_thread_safe(self):
        parser = self.make_parser()
        sample = self.samples[0]
        expected = [(c.function.name, c.function.arguments) for c in parser.parse(sample.text).tool_calls]
        errors: list[Any] = []

        def work():
            for _ in range(200):
                got = parser.parse(sample.text).tool_calls
                if [(c.function.name, c.function.arguments) for c in got] != expected:
                    errors.append(got)

        threads = [threading.Thread(target=work) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors
