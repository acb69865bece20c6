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

Every Cohere token is a start marker, so a stream holds back content from the first one and reconciles
at the end: the answer text is only known once the tokens around it are. Calls stream as they are
written: an action list opening with an object is read item by item (:mod:`hermes_core.parsing_call_list`),
``parameters`` kept as written; a list cut off (or broken) keeps the calls before the cut, the last one
closed at its last commit point, as a stream has sent them. Other actions count once their JSON is whole.
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
from hermes_core.parsing_call_list import read_call_list
from hermes_core.parsing_partial import PartialCall, json_object_prefix
from hermes_core.parsing_tags import JSON_ERRORS, json_document, scan_json

ACTION = "<|START_ACTION|>"
ACTION_END = "<|END_ACTION|>"
ANSWER_TAGS = (("<|START_RESPONSE|>", "<|END_RESPONSE|>"), ("<|START_TEXT|>", "<|END_TEXT|>"))
THINKING = "<|START_THINKING|>"
_CITATION_TAG = re.compile(r"<co>|</co(?::[^>]{0,200})?>")
_WS = " \t\r\n"
_SPACES = re.compile(r"[ \t\r\n]*")
_LIST_OF_OBJECTS = re.compile(r"[ \t\r\n]*\[[ \t\r\n]*(\{)")
_HEAD = re.compile(
    r'\{[ \t\r\n]*(?:"tool_call_id"[ \t\r\n]*:[ \t\r\n]*(?P<id>"[^"\\]*"|-?[0-9]+)[ \t\r\n]*,[ \t\r\n]*)?'
    r'"tool_name"[ \t\r\n]*:[ \t\r\n]*"(?P<name>[^"\\]*)"[ \t\r\n]*,'
    r'[ \t\r\n]*"parameters"[ \t\r\n]*:[ \t\r\n]*(?=\{)'
)


class CohereCommand3Parser(ToolCallParser):
    """Command A (``cmd3`` template): ``<|START_ACTION|>[{"tool_call_id", "tool_name", "parameters"}]``."""

    name = "cohere_command3"
    aliases = ("command_a",)
    start_markers = (ACTION, THINKING, ANSWER_TAGS[0][0], ANSWER_TAGS[1][0])
    call_end_markers = (ACTION_END,)  # a call that ended is sent at once when streaming

    def extract(self, text: str) -> ParsedCompletion | None:
        found = self._read(text, final=True)
        if not found:
            return None
        calls = [ToolCall(c.id, FunctionCall(c.name, c.arguments)) for c in found]
        first = min(i for i in (text.find(m) for m in self.start_markers) if i >= 0)
        parts = [content_before(text, first), *self._answers(text)]
        content = "".join(part for part in parts if part)
        return ParsedCompletion(content=content or None, tool_calls=calls)

    def partial_calls(self, text: str, pos: int) -> tuple[list[PartialCall], int]:
        """The calls as far as they are written, read on from the last call that ended (see ``_read``)."""
        calls = self._read(text, final=False, pos=pos)
        ends = [c.end for c in calls if c.closed]
        return calls, ends[-1] if ends else pos

    @staticmethod
    def _read(text: str, final: bool, pos: int = -1) -> list[PartialCall]:
        """The calls of every action from ``pos`` (the end of a call that ended in an earlier read; -1:
        from the first action), ids made unique (``final``: the text is complete, a call cut off is
        closed); while ``final`` is false, reading stops at the first call or action not complete yet."""
        calls: list[PartialCall] = []
        doc = json_document(text)
        action = text.find(ACTION)
        if pos > 0:
            action = text.find(ACTION, pos)
            if text[pos - 1] not in "]}":  # inside a list: its next item
                found, stop = read_call_list(text, doc, pos, _HEAD, _whole, final, resume=True)
                calls += found
                action = -1 if stop < 0 or (found and not found[-1].closed) else text.find(ACTION, stop)
        while action >= 0:
            body = action + len(ACTION)
            listed = _LIST_OF_OBJECTS.match(text, body)
            if listed is not None:
                found, stop = read_call_list(text, doc, listed.start(1), _HEAD, _whole, final)
                calls += found
                if stop < 0 or (found and not found[-1].closed):
                    break  # the list goes on, or a call of it stands open until the text ends
                action = text.find(ACTION, stop)
                continue
            while body < len(text) and text[body] in _WS:
                body += 1
            if not final and _may_still_hold_calls(text, body):
                break  # not complete yet
            try:
                decoded, action = scan_json(doc, body)
            except JSON_ERRORS:  # not JSON, or JSON that holds no call: skipped
                action = body
            else:
                for item in decoded if type(decoded) is list else [decoded]:
                    made = _whole(item)
                    if made is not None:
                        calls.append(PartialCall(made[0], made[1], True, action, made[2]))
            action = text.find(ACTION, action)
        seen_ids: set[str] = set()
        for call in calls:
            call_id = call.id.strip('"') if call.id is not None else ""
            if not call_id.strip() or call_id in seen_ids or _written_before(text, pos, call_id):
                call_id = make_call_id()
            seen_ids.add(call_id)
            call.id = call_id
        return calls

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


def _written_before(text: str, pos: int, call_id: str) -> bool:
    """Whether ``text[:pos]`` (calls a stream sent already) names ``call_id`` as a ``tool_call_id``: a
    stream must not send an id twice. One search, only for a call that ends now."""
    if pos <= 0:
        return False
    value = re.escape(call_id)
    numeric = call_id.lstrip("-").isdigit()  # ``5`` and ``"5"`` are the same id
    value = f'(?:{value}(?![0-9])|"{value}")' if numeric else f'"{value}"'
    return re.compile(r'"tool_call_id"[ \t\r\n]*:[ \t\r\n]*' + value).search(text, 0, pos) is not None


def _may_still_hold_calls(text: str, body: int) -> bool:
    """Whether the action at ``body`` may still become calls: nothing written yet, an object not complete
    yet, or a ``[`` whose first item has not begun (any other JSON value holds no call)."""
    if body >= len(text):
        return True
    if text[body] == "{":
        return json_object_prefix(text, body).end < 0
    return text[body] == "[" and _SPACES.match(text, body + 1).end() == len(text)


def _whole(item: Any) -> tuple[str, str, str | None] | None:
    """One action object as ``(name, arguments, the model's tool_call_id)``, or ``None``."""
    if type(item) is not dict:
        return None
    name = item.get("tool_name")
    if type(name) is not str or not name.strip():
        return None
    call_id = item.get("tool_call_id")
    if type(call_id) is int:
        call_id = str(call_id)
    return name.strip(), encode_arguments(item.get("parameters")), call_id if type(call_id) is str else None
