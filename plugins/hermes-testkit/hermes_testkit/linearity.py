"""Linear time on bait: what every parser proves (a start marker repeated without an end must not cost
quadratic time), measured in thread CPU time so that a loaded machine does not make linear look quadratic."""

from __future__ import annotations

import gc
import time

from hermes_core.parsing import ToolCallParser

__all__ = ["BAIT_TAILS", "LINEAR_MAX_RATIO", "assert_linear", "bait_shapes"]

LINEAR_MAX_RATIO = 30  # 10x more input costs ~10x the time when linear, ~100x when quadratic


def _best_time(parse, text: str, runs: int) -> float:
    """Best CPU time of this thread over ``runs`` parses.

    CPU time, not wall time: on a loaded machine a long parse is preempted several times while a short
    one fits in one time slice, so wall-clock ratios between sizes grow with the load (4x at a load of
    10 on 2 cores) and a linear parser looks quadratic. Thread CPU time counts only the parse itself.
    """
    clock = time.thread_time
    best = float("inf")
    enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(runs):
            start = clock()
            parse(text)
            best = min(best, clock() - start)
    finally:
        if enabled:
            gc.enable()
    return best


def assert_linear(
    parse, unit: str, suffix: str = "", small: int = 10_000, max_ratio: float = LINEAR_MAX_RATIO
) -> float:
    """``parse(unit * 10 * small + suffix)`` costs under ``max_ratio`` x ``parse(unit * small + suffix)``.

    Linear is ~10x, quadratic ~100x. A step at 3x the size comes first (linear ~3x, quadratic ~9x) so
    that a quadratic parser fails in seconds instead of running minutes at the full size. Noise only
    ever raises a ratio, so a step that looks too slow is measured again (best of up to 5 tries) before
    it fails: robust on a loaded machine. Returns the 10x ratio.
    """
    low_text = unit * small + suffix
    low_time = _best_time(parse, low_text, 3)
    ratio = 0.0
    for factor, limit in ((3, max_ratio * 0.27), (10, max_ratio)):
        high, high_text = small * factor, unit * (small * factor) + suffix
        high_time = float("inf")
        for _attempt in range(5):
            high_time = min(high_time, _best_time(parse, high_text, 1))
            if high_time < limit * max(low_time, 1e-6):
                break
            low_time = min(low_time, _best_time(parse, low_text, 2))
        ratio = high_time / max(low_time, 1e-6)
        assert ratio < limit, (
            f"not linear: {unit!r} x {high} + {suffix!r} takes {ratio:.0f}x the time of x {small} "
            f"({high_time * 1e3:.1f} ms vs {low_time * 1e3:.2f} ms)"
        )
    return ratio


# after each start marker: a Python dict (literal fallbacks), a tag (XML-style formats), an unclosed string
BAIT_TAILS = ("{'", "<", '{"name": "f", "arguments": {"a": "')


def bait_shapes(parser: ToolCallParser, tails: tuple[str, ...] = BAIT_TAILS) -> list[tuple[str, str]]:
    """``(unit, suffix)`` pairs: each start marker followed by the openings of a call that never ends
    (and, for tagged formats, the Python-dict opening closed once at the very end: issue 15.1's 53 s)."""
    end_tag = getattr(parser, "end_tag", None)
    shapes: list[tuple[str, str]] = []
    for marker in parser.start_markers:
        for tail in tails:
            if (marker + tail, "") not in shapes:
                shapes.append((marker + tail, ""))
            # closed once at the very end: what made a literal fallback re-read every block to the end
            closed = (marker + tail, end_tag)
            if tail == "{'" and isinstance(end_tag, str) and end_tag and closed not in shapes:
                shapes.append(closed)
    return shapes


# --- the suite ------------------------------------------------------------------------------------------
