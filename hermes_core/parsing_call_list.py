"""A JSON list of call objects read item by item, so that a stream can send each call as it is written.

Formats that write their calls as ``[{"name": ..., "arguments": {...}}, ...]`` (Hunyuan-A13B; Cohere's
``tool_name``/``parameters`` and Apertus' ``{NAME: {...}}`` have the same shape) decode the whole list
once it is complete. To stream, an item whose head (its name, then the key of its arguments object) is
written is committed to: its arguments are kept as written and, when the text stops inside them, closed
at their last commit point (:func:`hermes_core.parsing_tags.head_arguments`), exactly what a stream has
sent by then. An item of another shape counts once it is complete. A list that breaks keeps the calls
before the break (a stream sent them; vLLM's own streaming cannot take them back either).

Shared by the Hunyuan-A13B, Cohere and Apertus parsers. (JSON-call formats whose items are read one
by one from the text rather than from a list: :mod:`hermes_core.parsing_call_objects`.)
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from hermes_core.parsing_partial import PartialCall, json_object_prefix
from hermes_core.parsing_tags import JSON_ERRORS, head_arguments, scan_json

__all__ = ["read_call_list"]

_WS = re.compile(r"[ \t\r\n]*")
# after an item: the list's ``]`` (group 1) or a ``,`` (group 2) and the space before the next item;
# _AFTER_ARGUMENTS: the same after an item's arguments, its ``}`` first (one match on the common path)
_NEXT = re.compile(r"[ \t\r\n]*(?:(\])|(,)[ \t\r\n]*)?")
_AFTER_ARGUMENTS = re.compile(r"[ \t\r\n]*\}[ \t\r\n]*(?:(\])|(,)[ \t\r\n]*)?")

Whole = Callable[[Any], "tuple[str, str, str | None] | None"]
"""A complete item of another shape as ``(name, encoded arguments, id)``, or ``None`` (not a call)."""


def read_call_list(
    text: str, doc: str, start: int, head: re.Pattern[str], whole: Whole, final: bool, resume: bool = False
) -> tuple[list[PartialCall], int]:
    """The calls of the list whose first item opens at ``text[start]`` (a ``{``), and where reading stopped.

    ``head`` matches an item's beginning up to its arguments object (ending in a lookahead for its
    ``{``), the name in group ``name`` (and an ``id`` group where the format writes one). Returns the
    calls and the index after the list (or where it broke), or -1 when the text stopped inside it.

    A call ends (``closed``, ``end`` after the ``,`` or ``]`` that follows its item) once the list goes
    on; before that it is open, and so is a call whose item broke (a stream waits for the text's end
    there). ``final``: the text is complete, every call is closed (a cut-off one with its closure).
    ``resume``: ``start`` is the ``end`` of a call that ended in an earlier read of this list: go on
    from there, so that a stream reads each item once.
    """
    calls: list[PartialCall] = []
    has_id = "id" in head.groupindex
    size = len(text)
    pos = start
    if resume:
        if text[start - 1] == "]":
            return calls, start
        pos = _WS.match(text, start).end()
    while True:
        if pos >= size:
            return calls, -1
        if text[pos] != "{":
            return calls, pos  # not a list of objects: broken
        matched = head.match(text, pos)
        name = matched.group("name").strip() if matched is not None else ""
        call: tuple[str, str, str | None] | None = None
        after = None
        if name:  # the head ends at the arguments' ``{``
            call_id = matched.group("id") if has_id else None
            at = matched.end()
            try:
                value, end = scan_json(doc, at)
            except JSON_ERRORS:
                value = None
            if type(value) is dict:  # complete: kept as written
                arguments = text[at:end]
            else:
                arguments, closure, end, ended = head_arguments(text, doc, at)
                if closure or not ended:  # cut off or broken inside the arguments: the list stops here
                    if final or ended:
                        arguments += closure
                    calls.append(PartialCall(name, arguments, final, len(text) if final else -1, call_id))
                    return calls, end if ended else -1
            call = (name, arguments, call_id)
            after = _AFTER_ARGUMENTS.match(text, end)
        if after is None:  # another shape, or more keys after the arguments: read the item whole
            found = json_object_prefix(text, pos)
            if not found.complete:
                if call is not None:  # the arguments are whole: the call stands
                    calls.append(PartialCall(call[0], call[1], final, len(text) if final else -1, call[2]))
                return calls, -1 if found.end < 0 else found.end
            if call is None:
                try:
                    value = scan_json(doc, pos)[0]
                except JSON_ERRORS:  # absurdly nested
                    return calls, pos
                call = whole(value)
            after = _NEXT.match(text, found.end)
        goes_on = after.group(1) or after.group(2)
        if call is not None:
            ended = bool(goes_on) or final
            calls.append(PartialCall(call[0], call[1], ended, after.end() if ended else -1, call[2]))
        pos = after.end()
        if after.group(1):
            return calls, pos
        if not after.group(2):
            return calls, -1 if pos >= size else pos
