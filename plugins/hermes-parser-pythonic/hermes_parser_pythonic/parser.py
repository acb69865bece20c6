"""Pythonic tool calls: the whole completion is a Python list of calls.

Llama 3.2 (and ToolACE-style fine-tunes) answer a tool turn with ``[get_weather(city='Paris'),
get_time(tz='Europe/Paris')]``. Locating the list and decoding it are shared with the other pythonic
formats (:mod:`hermes_core.parsing_pythonic`); this parser only names the format.
"""

from __future__ import annotations

from hermes_core.parsing_pythonic import PythonicListParser


class PythonicParser(PythonicListParser):
    """vLLM's ``pythonic``: ``[func(a=1), g(b="x")]`` and nothing else in the completion."""

    name = "pythonic"
