"""Tool-call ids: apart from :mod:`hermes_core.parsing` so the streaming parse
(:mod:`hermes_core.parsing_stream`) can mint them without importing the parser module that imports it."""

from __future__ import annotations

import os

__all__ = ["make_call_id"]

# One ``os.urandom`` system call per id costs more than parsing a small call: draw ids in batches.
# ``list.pop`` is atomic, so threads never share an id, and a forked child starts with an empty pool.
_ID_BATCH = 128
_id_pool: list[str] = []
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_id_pool.clear)


def make_call_id() -> str:
    """``call_`` + 24 random hex digits, the shape OpenAI and vLLM use (unique across threads)."""
    try:
        return _id_pool.pop()
    except IndexError:
        pass
    raw = os.urandom(12 * _ID_BATCH).hex()
    _id_pool.extend("call_" + raw[i : i + 24] for i in range(24, len(raw), 24))
    return "call_" + raw[:24]
