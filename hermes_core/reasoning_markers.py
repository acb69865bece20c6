"""Reasoning formats declared by their markers: one incremental state machine for whole text and streams.

Most reasoning formats are a pair of markers around the thinking (``<think>…</think>``, ``[THINK]``,
gpt-oss's channels); :class:`MarkerReasoningParser` implements the :mod:`hermes_core.reasoning` contract
from such a declaration, so that a plugin's parser is a few class attributes and streamed and whole-text
results agree by construction.
"""

from __future__ import annotations

from functools import cache
from typing import ClassVar

from hermes_core.reasoning import ReasoningDelta, ReasoningParser, ReasoningStream, join_reasoning

__all__ = ["MarkerReasoningParser"]

_REASONING, _CONTENT = "reasoning", "content"


class MarkerReasoningParser(ReasoningParser):
    """A format declared by its markers (vLLM's ``BaseThinkingReasoningParser`` and parser-engine
    grammars):

    - ``starts``: markers that open the reasoning (dropped); ``ends``: markers that close it (dropped);
    - ``implicit_ends``: markers that close it and belong to the content (a tool call's start), unless
      ``drop_in_content`` names them too (Kimi K3's response opener);
    - ``starts_in_reasoning``: the turn begins inside the reasoning (the chat template opened it, as
      DeepSeek-R1's and Qwen3's do), so text before an end marker is reasoning and an unclosed turn is
      all reasoning; ``thinking_default`` is that setting when the request says nothing;
    - ``reopen``: a start marker in the content opens reasoning again (otherwise it is text);
    - ``absorb_ends``: an end marker in the content is dropped (a duplicate ``</think>``);
    - ``strip_reasoning``: trailing whitespace of the reasoning is dropped (vLLM's parser engine does so
      unless a grammar opts out).

    Whitespace before the first start marker of a turn that starts in reasoning is dropped unless
    ``drop_space_before_start`` is off (vLLM's ``test_deepseekr1_reasoning_parser.py`` ``new_line``:
    ``"\\n<think>X</think>\\nrest"`` gives ``X``; its ``test_step3p5_reasoning_parser.py`` keeps the ``\\n``).
    """

    starts: ClassVar[tuple[str, ...]] = ("<think>",)
    ends: ClassVar[tuple[str, ...]] = ("</think>",)
    implicit_ends: ClassVar[tuple[str, ...]] = ()
    thinking_default: ClassVar[bool] = True
    reopen: ClassVar[bool] = False
    absorb_ends: ClassVar[bool] = True
    strip_reasoning: ClassVar[bool] = False
    drop_in_content: ClassVar[tuple[str, ...]] = ()
    """Markup dropped from the content (``<response>``, ``<|END_RESPONSE|>``, ``</answer>``)."""
    plain_when_off: ClassVar[bool] = False
    """With thinking off, no marker means anything: the whole turn is content (vLLM's identity parser,
    which ``deepseek_v3`` and ``hy_v3`` use unless thinking is asked for)."""
    drop_space_before_start: ClassVar[bool] = True
    """Whitespace before the opening marker of a turn that starts in reasoning is dropped (vLLM's
    ``BaseThinkingReasoningParser`` family); its parser-engine grammars (Qwen3 and kin) keep it."""
    content_prefix: ClassVar[str] = ""
    """Text put before the content (vLLM's ``minimax_m2_append_think`` puts back the ``<think>`` the
    template swallowed)."""

    @property
    def starts_in_reasoning(self) -> bool:
        return self.thinking_default if self.thinking is None else self.thinking

    def split(self, text: str) -> tuple[str | None, str | None]:
        stream = self.stream()
        stream._held = text  # the whole text is one final scan: no marker can still be completed
        return join_reasoning(stream.finish())

    def stream(self) -> MarkerStream:
        return MarkerStream(self)


class MarkerStream(ReasoningStream):
    """The state machine behind :class:`MarkerReasoningParser`, whole text and streaming alike.

    Per feed it scans ``held + delta`` once for the markers of the current state; what may still become a
    marker (a suffix shorter than the longest marker) is held, as is the whitespace of a turn's start and
    the trailing whitespace of the reasoning when the format strips it. Linear in the text.
    """

    def __init__(self, parser: MarkerReasoningParser) -> None:
        super().__init__(parser)
        self.p = parser
        self.state = _REASONING if parser.starts_in_reasoning else _CONTENT
        self._held = ""  # a suffix that may still become a marker
        self._lead = ""  # whitespace at the start of a turn that starts in reasoning
        self._leading = self.state == _REASONING and parser.drop_space_before_start
        self._tail = ""  # trailing reasoning whitespace, held when the format strips it
        self._prefix_sent = False
        self._out: list[ReasoningDelta] = []
        self._reasoning: list[str] = []
        self._content: list[str] = []

    def _markers(self) -> tuple[tuple[str, str], ...]:
        p = self.p
        if p.plain_when_off and not p.starts_in_reasoning:
            return ()
        return _marker_table(type(p))[self.state == _REASONING]

    def feed(self, delta: str) -> list[ReasoningDelta]:
        if self.result is not None:
            raise RuntimeError("this stream is finished")
        if delta:
            self._scan(self._held + delta, final=False)
        return self._take()

    def finish(self) -> list[ReasoningDelta]:
        if self.result is not None:
            return []
        self._scan(self._held, final=True)
        self._held = ""
        if self.state == _REASONING:
            self._end_reasoning()
        if not self._prefix_sent and self.p.content_prefix:  # an empty turn still gets it (vLLM's EMPTY)
            self._emit_content("")
        self.result = ("".join(self._reasoning) or None, "".join(self._content) or None)
        return self._take()

    def _take(self) -> list[ReasoningDelta]:
        out, self._out = self._out, []
        return out

    def _scan(self, window: str, final: bool) -> None:
        pos = 0
        found: dict[str, int] = {}  # marker -> its next index in window (-1: none), so each is found once
        while True:
            markers = self._markers()
            hit, kind, length, partial = _earliest(window, pos, markers, final, found)
            if partial >= 0:  # a marker may still complete at ``partial``: hold from there
                self._text(window[pos:partial])
                self._held = window[partial:]
                return
            if hit < 0:
                self._text(window[pos:])
                self._held = ""
                return
            self._text(window[pos:hit])
            marker = window[hit : hit + length]
            pos = hit + length
            self._marker(kind, marker)

    def _marker(self, kind: str, marker: str) -> None:
        if kind == "start":
            if self.state == _REASONING:
                if self._leading:
                    self._lead = ""  # whitespace before the opening marker is not reasoning
                self._leading = False
            else:
                self.state = _REASONING
            return
        if self.state == _CONTENT:  # an end marker absorbed in the content, or dropped markup
            return
        self._end_reasoning()
        if kind == "implicit" and marker not in self.p.drop_in_content:
            self._emit_content(marker)

    def _end_reasoning(self) -> None:
        if self._lead and not self.p.strip_reasoning:  # only whitespace before the end marker
            self._emit_reasoning_raw(self._lead)
        self._lead = ""
        self._leading = False
        if self._tail and not self.p.strip_reasoning:
            self._emit_reasoning_raw(self._tail)
        self._tail = ""
        self.state = _CONTENT

    def _text(self, text: str) -> None:
        if not text:
            return
        if self.state == _CONTENT:
            self._emit_content(text)
            return
        if self._leading:
            stripped = text.lstrip()
            if not stripped:
                self._lead += text
                return
            text, self._lead, self._leading = self._lead + text, "", False
        self._emit_reasoning(text)

    def _emit_reasoning(self, text: str) -> None:
        if not self.p.strip_reasoning:
            self._emit_reasoning_raw(text)
            return
        body = text.rstrip()
        if body:
            self._emit_reasoning_raw(self._tail + body)
            self._tail = text[len(body) :]
        else:
            self._tail += text

    def _emit_reasoning_raw(self, text: str) -> None:
        if text:
            self._reasoning.append(text)
            self._out.append(ReasoningDelta(reasoning=text))

    def _emit_content(self, text: str) -> None:
        if not self._prefix_sent and self.p.content_prefix:
            self._prefix_sent = True
            text = self.p.content_prefix + text
        if text:
            self._content.append(text)
            self._out.append(ReasoningDelta(content=text))


@cache
def _marker_table(cls: type[MarkerReasoningParser]) -> tuple[tuple[tuple[str, str], ...], ...]:
    """``(markers in the content, markers in the reasoning)`` of a format, each ``(marker, kind)``;
    built once per class."""
    in_reasoning = (
        *((m, "start") for m in cls.starts),
        *((m, "end") for m in cls.ends),
        *((m, "implicit") for m in cls.implicit_ends),
    )
    in_content = (
        *((m, "end") for m in (cls.ends if cls.absorb_ends else ())),
        *((m, "drop") for m in cls.drop_in_content),
        *((m, "start") for m in (cls.starts if cls.reopen else ())),
    )
    return in_content, in_reasoning


def _earliest(
    window: str, pos: int, markers: list[tuple[str, str]], final: bool, found: dict[str, int]
) -> tuple[int, str, int, int]:
    """The leftmost (then longest) complete marker at or after ``pos``: ``(index, kind, length,
    partial)``, where ``partial`` >= 0 says a marker may still complete there (wait for more text).
    ``found`` caches each marker's next index in ``window`` so a scan stays linear."""
    hit, kind, length = -1, "", 0
    for marker, what in markers:  # a handful of markers: a loop beats building a regex per format
        index = found.get(marker, pos)
        if 0 <= index < pos or marker not in found:
            index = found[marker] = window.find(marker, pos)
        if index >= 0 and (hit < 0 or index < hit or (index == hit and len(marker) > length)):
            hit, kind, length = index, what, len(marker)
    if final:
        return hit, kind, length, -1
    # a marker that may still complete before (or, longer, at) the hit: hold from its start
    limit = hit if hit >= 0 else len(window)
    longest = max((len(m) for m, _ in markers), default=0)
    firsts = {m[0] for m, _ in markers}
    for start in range(max(pos, len(window) - longest + 1), len(window)):
        if start > limit:
            break
        if window[start] not in firsts:  # most positions cannot begin any marker
            continue
        tail = window[start:]
        for marker, _ in markers:
            longer = len(marker) > len(tail) and marker.startswith(tail)
            if longer and (start < limit or len(marker) > length):
                return hit, kind, length, start
    return hit, kind, length, -1
