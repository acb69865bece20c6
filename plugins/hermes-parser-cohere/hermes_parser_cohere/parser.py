"""Cohere Command (``cohere_command3``, ``cohere_command4``): JSON actions between special tokens::

    <|START_THINKING|>I will call foo.<|END_THINKING|><|START_ACTION|>
    [
        {"tool_call_id": "0", "tool_name": "foo", "parameters": {"query": "query1"}}
    ]
    <|END_ACTION|>

Plain answers sit in ``<|START_RESPONSE|>...<|END_RESPONSE|>`` (``<|START_TEXT|>`` in some templates)
with inline citations ``<co>text</co: 0:[1]>``. When calls are found, the content is the answer text
with its citation tags removed (vLLM's ``cohere_melody`` filter does the same); the thinking is left
out, as vLLM moves it to the reasoning channel. With no call the text stays whole, as for every parser.

Every Cohere token is a start marker, so a stream holds back from the first one and reconciles at the
end: the answer text is only known once the tokens around it are.
"""

from __future__ import annotations

import re
from typing import Any

from hermes_core.parsing import (
    FunctionCall,
    ParsedCompletion,
    ToolCall,
    ToolCallParser,
    content_before,
    encode_arguments,
    make_call_id,
)
from hermes_core.parsing_tags import JSON_ERRORS, json_document, scan_json

ACTION = "<|START_ACTION|>"
ACTION_END = "<|END_ACTION|>"
ANSWER_TAGS = (("<|START_RESPONSE|>", "<|END_RESPONSE|>"), ("<|START_TEXT|>", "<|END_TEXT|>"))
THINKING = "<|START_THINKING|>"
_CITATION_TAG = re.compile(r"<co>|</co(?::[^>]{0,200})?>")
_WS = " \t\r\n"


class CohereCommand3Parser(ToolCallParser):
    """Command A (``cmd3`` template): ``<|START_ACTION|>[{"tool_call_id", "tool_name", "parameters"}]``."""

    name = "cohere_command3"
    aliases = ("command_a",)
    start_markers = (ACTION, THINKING, ANSWER_TAGS[0][0], ANSWER_TAGS[1][0])
    call_end_markers = (ACTION_END,)  # a call that ended is sent at once when streaming

    def extract(self, text: str) -> ParsedCompletion | None:
        calls: list[ToolCall] = []
        seen_ids: set[str] = set()
        doc = text  # a json_document after the first failed scan: each failure then costs O(1)
        pos = text.find(ACTION)
        while pos >= 0:
            body = pos + len(ACTION)
            while body < len(text) and text[body] in _WS:
                body += 1
            try:
                decoded, pos = scan_json(doc, body)
            except JSON_ERRORS:
                pos = body
                if doc is text:
                    doc = json_document(text)
            else:
                for item in decoded if type(decoded) is list else [decoded]:
                    call = _call(item, seen_ids)
                    if call is not None:
                        calls.append(call)
            pos = text.find(ACTION, pos)
        if not calls:
            return None
        first = min(i for i in (text.find(m) for m in self.start_markers) if i >= 0)
        parts = [content_before(text, first), *self._answers(text)]
        content = "".join(part for part in parts if part)
        return ParsedCompletion(content=content or None, tool_calls=calls)

    @staticmethod
    def _answers(text: str) -> list[str]:
        """The answer segments, citation tags removed."""
        out: list[str] = []
        for start_tag, end_tag in ANSWER_TAGS:
            pos = text.find(start_tag)
            while pos >= 0:
                body = pos + len(start_tag)
                end = text.find(end_tag, body)
                segment = text[body : len(text) if end < 0 else end]
                segment = segment.split(ACTION, 1)[0]
                out.append(_CITATION_TAG.sub("", segment).strip(_WS))
                pos = text.find(start_tag, end + len(end_tag)) if end >= 0 else -1
        return out


class CohereCommand4Parser(CohereCommand3Parser):
    """Command A Reasoning / Vision (``cmd4`` template): the same action format."""

    name = "cohere_command4"
    aliases = ("cohere",)


def _call(item: Any, seen_ids: set[str]) -> ToolCall | None:
    """One action object as a call; the model's ``tool_call_id`` is kept (as vLLM) when unique."""
    if type(item) is not dict:
        return None
    name = item.get("tool_name")
    if type(name) is not str or not name.strip():
        return None
    call_id = item.get("tool_call_id")
    if type(call_id) is int:
        call_id = str(call_id)
    if type(call_id) is not str or not call_id.strip() or call_id in seen_ids:
        call_id = make_call_id()
    seen_ids.add(call_id)
    arguments = item.get("parameters")
    return ToolCall(call_id, FunctionCall(name.strip(), encode_arguments(arguments)))
