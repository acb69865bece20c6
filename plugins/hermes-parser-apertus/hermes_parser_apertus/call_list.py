"""A JSON list of call objects read item by item, so that a stream can send each call as it is written.

Formats that write their calls as ``[{"name": ..., "arguments": {...}}, ...]`` (Hunyuan-A13B; Cohere's
``tool_name``/``parameters`` and Apertus' ``{NAME: {...}}`` have the same shape) decode the whole list
once it is complete. To stream, an item whose head (its name, then the key of its arguments object) is
written is committed to: its arguments are kept as written and, when the text stops inside them, closed
at their last commit point (:func:`hermes_core.parsing_tags.head_arguments`), exactly what a stream has
sent by then. An item of another shape counts once it is complete. A list that breaks keeps the calls
before the break (a stream sent them; vLLM's own streaming cannot take them back either).

Generic, and the same as ``hermes_parser_hunyuan.call_list`` (and cohere's): a helper for the core
(``hermes_core.parsing_partial``), kept in each distribution until it moves there.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from hermes_core.parsing_partial import PartialCall, json_object_prefix
from hermes_core.parsing_tags import JSON_ERRORS, head_arguments, scan_json

__all__ = ["read_call_list"]

_WS = re.compile(r"[ \t\r\n]*")
# after an item's arguments: its ``}``, then the list's ``]`` (group 1) or a ``,`` (group 2) and the next item
_AFTER_ITEM = re.compile(r"[ \t\r\n]*\}[ \t\r\n]*(?:(\])|(,)[ \t\r\n]*)?")

Whole = Callable[[Any], "tuple[str, str, str | None] | None"]
"""A complete item of another shape as ``(name, encoded arguments, id)``, or ``None`` (not a call)."""


def read_call_list(
    text: str, doc: str, start: int, head: re.Pattern[str], whole: Whole, final: bool
) -> tuple[list[PartialCall], int]:
    """The calls of the list whose first item opens at ``text[start]`` (a ``{``), and where reading stopped.

    ``head`` matches an item's beginning up to its arguments object (ending in a lookahead for its
    ``{``), the name in group ``name`` (and an ``id`` group where the format writes one). Returns the
    calls (those that ended, then at most one open call) and the index after the list (or where it
    broke), or -1 when the text stopped inside it. ``final``: the text is complete, so an open call is
    closed (its closure appended) and ended.
    """
    calls: list[PartialCall] = []
    has_id = "id" in head.groupindex
    size = len(text)
    pos = start
    while True:
        if pos >= size:
            return calls, -1
        if text[pos] != "{":
            return calls, pos  # not a list of objects: broken
        matched = head.match(text, pos)
        name = matched.group("name").strip() if matched is not None else ""
        after = None
        if name:  # the head ends at the arguments' ``{``
            call_id = matched.group("id") if has_id else None
            at = matched.end()
            try:
                value, end = scan_json(doc, at)
            except JSON_ERRORS:
                value = None
            if type(value) is dict:  # complete: kept as written
                calls.append(PartialCall(name, text[at:end], True, end, call_id))
            else:
                arguments, closure, end, ended = head_arguments(text, doc, at)
                if not ended and not final:
                    calls.append(PartialCall(name, arguments, False, -1, call_id))
                    return calls, -1
                calls.append(PartialCall(name, arguments + closure, True, end, call_id))
                if closure:  # broke, or cut off in a final text
                    return calls, end if ended else size
            after = _AFTER_ITEM.match(text, end)
        if after is None:  # another shape, or more keys after the arguments: read the item whole
            found = json_object_prefix(text, pos)
            if not found.complete:
                return calls, -1 if found.end < 0 else found.end
            if not name:
                try:
                    value = scan_json(doc, pos)[0]
                except JSON_ERRORS:  # absurdly nested
                    return calls, pos
                made = whole(value)
                if made is not None:
                    calls.append(PartialCall(made[0], made[1], True, found.end, made[2]))
            after = _AFTER_ITEM.match(text, found.end - 1)
        if after.group(1):
            return calls, after.end()
        pos = after.end()
        if not after.group(2):
            return calls, -1 if pos >= size else pos
