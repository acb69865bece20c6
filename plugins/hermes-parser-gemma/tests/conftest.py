import pytest

from hermes_core.parsing_stream import join_deltas


def _stream_until(parser, text, stops, size=16):
    """Feed ``text`` in pieces of ``size``; at each index in ``stops``: the names and the arguments text
    (call 0) sent so far. Then finish: the calls put together."""
    stream = parser.stream()
    deltas, seen, fed = [], [], 0
    for stop in [*stops, len(text)]:
        for i in range(fed, stop, size):
            deltas += stream.feed(text[i : min(i + size, stop)])
        fed = stop
        parts = [p for d in deltas for p in d.tool_calls]
        seen.append(
            ([p.name for p in parts if p.name], "".join(p.arguments or "" for p in parts if not p.index))
        )
    deltas += stream.finish()
    return seen[:-1], join_deltas(deltas)[1]


@pytest.fixture
def stream_until():
    return _stream_until
