"""How soon each parser's stream sends a call: ``python benchmarks/parsers.py --stream [--chunkings N]``.

For each installed parser, one completion in its format with a 20 KB argument (the size table's
payload) is streamed:

- ``name lat``: characters fed after the call's name ends until the header delta (index, id, name)
  is sent, fed 1 character at a time (``end`` when only ``finish()`` sends it); the name counted is
  the one written in the call (its last mention before the call's longest argument value, which
  the call alone holds), not an earlier mention in reasoning or a message header;
- ``args %``: the share of the call's argument text sent before the last 40 characters of the call
  (its end marker and closing tags) are fed, in 16-character chunks; 0 % for a parser that sends calls
  only at the end;
- ``chunkings``: N random chunkings (1 to 64 characters per delta, seeded), each put back together and
  compared with ``parse()`` of the whole text: the count that differ (must be 0);
- ``stream/parse``: CPU time of one 16-character-chunk stream over one whole-text ``parse()``.
"""

from __future__ import annotations

import json
import random
import time
from typing import Any

from hermes_core.parsing_stream import join_deltas


def _name_end(text: str, name: str, arguments: str) -> int:
    """Where the call's own name ends: its last mention before its longest argument value (a value the
    call alone holds; a short one like ``5`` may appear in earlier text too)."""
    values = json.loads(arguments or "{}")
    values = list(values.values()) if isinstance(values, dict) and values else [None]
    value = max(values, key=lambda v: len(json.dumps(v)))
    forms = [json.dumps(value, ensure_ascii=False)]
    if isinstance(value, str):
        forms += [value.strip(), forms[0][1:-1], json.dumps(value)[1:-1]]
    found = [at for at in (text.find(form) for form in forms if form) if at >= 0]
    at = text.rfind(name, 0, min(found)) if found else -1
    return (at if at >= 0 else text.find(name)) + len(name)


def _name_latency(parser, text: str, name: str, arguments: str) -> str:
    stream = parser.stream()
    name_end = _name_end(text, name, arguments)
    for fed in range(1, len(text) + 1):
        for delta in stream.feed(text[fed - 1]):
            if any(part.name for part in delta.tool_calls):
                return str(max(0, fed - name_end))
    return "end"


def _argument_share(parser, text: str, arguments: str) -> float:
    stream = parser.stream()
    sent = 0
    stop = max(0, len(text.rstrip()) - 40)
    for start in range(0, stop, 16):
        for delta in stream.feed(text[start : min(start + 16, stop)]):
            sent += sum(len(part.arguments or "") for part in delta.tool_calls)
    return 100.0 * sent / max(1, len(arguments))


def _differs(parser, text: str, chunkings: int, seed: int) -> int:
    want = parser.parse(text)
    expected = [(c.function.name, json.loads(c.function.arguments)) for c in want.tool_calls]
    rng = random.Random(seed)
    bad = 0
    for _ in range(chunkings):
        stream = parser.stream()
        deltas = []
        pos = 0
        while pos < len(text):
            step = rng.randint(1, 64)
            deltas += stream.feed(text[pos : pos + step])
            pos += step
        deltas += stream.finish()
        content, calls = join_deltas(deltas)
        got = [(c["function"]["name"], json.loads(c["function"]["arguments"] or "{}")) for c in calls]
        bad += got != expected or (content or None) != (want.content or None)
    return bad


def _cost_ratio(parser, text: str) -> float:
    def streamed() -> None:
        stream = parser.stream()
        for start in range(0, len(text), 16):
            stream.feed(text[start : start + 16])
        stream.finish()

    def best(fn) -> float:
        times = []
        for _ in range(5):
            start = time.thread_time()
            fn()
            times.append(time.thread_time() - start)
        return min(times)

    return best(streamed) / max(best(lambda: parser.parse(text)), 1e-7)


def stream_table(names: list[str], payload_for: Any, chunkings: int) -> int:
    """``payload_for(name, parser)``: the 20 KB completion in ``name``'s format, or ``None``."""
    from hermes_core.plugins import get_hermes

    hermes = get_hermes()
    print(f"{'parser':<18} {'name lat':>8} {'args %':>7} {'chunkings':>12} {'stream/parse':>12}")
    for name in names:
        parser = hermes.parser(name)
        text = payload_for(name, parser)
        parsed = parser.parse(text) if text else None
        if not parsed or not parsed.tool_calls:
            print(f"{name:<18} (no 20 KB payload in this format)")
            continue
        call = parsed.tool_calls[0].function
        latency = _name_latency(parser, text, call.name, call.arguments)
        share = _argument_share(parser, text, call.arguments)
        differ = _differs(parser, text, chunkings, seed=len(name))
        ratio = _cost_ratio(parser, text)
        print(f"{name:<18} {latency:>8} {share:>6.1f}% {f'{differ} differ':>12} {ratio:>11.1f}x")
    return 0
