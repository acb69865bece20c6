"""Llama 4 pythonic tool calls: ``[get_weather(city='LA'), get_time()]``.

Llama 4's default template asks for a Python list of calls, sometimes wrapped in
``<|python_start|>`` ... ``<|python_end|>`` and followed by ``<|eom|>`` / ``<|eot|>`` when special tokens
are kept. Finding and decoding the list is shared with the other pythonic formats
(:mod:`hermes_core.parsing_pythonic`).
"""

from __future__ import annotations

from hermes_core.parsing_pythonic import PythonicListParser

PYTHON_START = "<|python_start|>"
PYTHON_END = "<|python_end|>"


class Llama4PythonicParser(PythonicListParser):
    """vLLM's ``llama4_pythonic``: ``[<|python_start|>]`` the list ``[<|python_end|>]``."""

    name = "llama4_pythonic"
    open_token = PYTHON_START
    close_tokens = (PYTHON_END,)
    trailing_tokens = ("<|eom|>", "<|eot|>", "<|eom_id|>", "<|eot_id|>")
