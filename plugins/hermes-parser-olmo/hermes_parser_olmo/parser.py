"""Olmo 3 tool calls: pythonic calls, one per line, inside ``<function_calls>`` ... ``</function_calls>``.

::

    <function_calls>get_weather(city='Paris', unit=null)
    get_time(timezone='Europe/Paris')</function_calls>

As in vLLM's ``Olmo3PythonicToolParser`` the non-blank lines of the first block become one list of
calls (JSON's ``null``/``true``/``false`` are accepted as values), decoded by the shared pythonic decoder
(:mod:`hermes_core.parsing_pythonic`). Unlike vLLM, the tags are required (vLLM also tries the whole
completion as bare lines) and the text before the block is kept as content.
"""

from __future__ import annotations

from hermes_core.parsing import ParsedCompletion, ToolCallParser, content_before
from hermes_core.parsing_pythonic import decode_call_list
from hermes_core.parsing_tags import first_marker

OPEN = "<function_calls>"
CLOSE = "</function_calls>"
_LINE_BREAKS = ("\n", "\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029")


def _join_lines(block: str) -> str:
    """The block's non-blank lines, stripped, joined by ``", "`` (one call per line, as vLLM reads them).

    A block on one line (the usual one long call) skips ``splitlines``, a per-character pass: ten
    ``in`` checks (memchr) tell that no line break is there.
    """
    if not any(map(block.__contains__, _LINE_BREAKS)):
        return block.strip()
    return ", ".join(line for line in (part.strip() for part in block.splitlines()) if line)


class Olmo3Parser(ToolCallParser):
    """Ai2 Olmo 3: newline-separated pythonic calls in ``<function_calls>``."""

    name = "olmo3"
    aliases = ("olmo_3",)
    start_markers = (OPEN,)
    # streaming sends the block's calls at ``</function_calls>``: before it a later line can still drop
    # a call or the whole block (see :class:`hermes_core.parsing_pythonic.PythonicListParser`)
    call_end_markers = (CLOSE,)

    def extract(self, text: str) -> ParsedCompletion | None:
        start = first_marker(text, OPEN)
        if start < 0:
            return None
        body = start + len(OPEN)
        end = text.find(CLOSE, body)
        if end < 0:
            return None
        calls = decode_call_list("[" + _join_lines(text[body:end]) + "]")
        if not calls:
            return None
        return ParsedCompletion(content=content_before(text, start), tool_calls=calls)
