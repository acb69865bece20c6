""":func:`~hermes_core.parsing_tags.head_arguments`, faster where the call's end marker is known.

The DeepSeek and Kimi markers hold characters beyond Latin-1 (full-width bars, or the K2 section marker
next to CJK content), so the completion is a 2-byte string and the JSON scanner reads it about 1.5x slower
than the 1-byte copy a slice of ASCII arguments gives. Scanning ``text[start:limit]`` first gives the same
object (the scanner reads the same characters and stops at the object's end) at the cost of one copy;
callers pass no ``limit`` for a text that is ASCII already.
(The same module is in the DeepSeek and Kimi plugins, which must install alone: a candidate for
``hermes_core.parsing_tags``.)
"""

from __future__ import annotations

from hermes_core.parsing_tags import JSON_ERRORS, head_arguments, scan_json


def head_arguments_before(text: str, doc: str, start: int, limit: int) -> tuple[str, str, int, bool]:
    """``head_arguments(text, doc, start)``, read from ``text[start:limit]`` when the object ends there."""
    if limit > start:
        piece = text[start:limit]
        try:
            value, end = scan_json(piece, 0)
        except JSON_ERRORS:
            value = None
        if type(value) is dict:
            return (piece if end == len(piece) else piece[:end]), "", start + end, True
    return head_arguments(text, doc, start)
