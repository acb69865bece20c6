"""Parse time of adversarial bait, 10k vs 100k repetitions, for every installed tool-call parser.

    python benchmarks/parser_bait.py [--small 10000] [--only hermes mistral] [--limit 5]

Bait is each start marker repeated with the opening of a call that never ends (``<tool_call>{'`` x n, the
shape of issue 15.1), and for tagged formats the same closed once at the very end. A linear parser shows
a ratio near 10 between 100k and 10k repetitions; a quadratic one near 100. Each size is timed as the best
thread CPU time of a few parses (wall time on a loaded machine counts the neighbours too). A parser whose
10k parse already takes over ``--limit`` seconds is reported without running 100k (it would take minutes).
"""

from __future__ import annotations

import argparse
import gc
import sys
import time

from hermes_testkit.linearity import bait_shapes


def best_time(parse, text: str, runs: int) -> float:
    best = float("inf")
    gc.disable()
    try:
        for _ in range(runs):
            start = time.thread_time()
            parse(text)
            best = min(best, time.thread_time() - start)
    finally:
        gc.enable()
    return best


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--small", type=int, default=10_000, help="repetitions of the small size (x10 for large)")
    ap.add_argument("--only", nargs="*", help="parser names (default: every installed parser)")
    ap.add_argument("--limit", type=float, default=5.0, help="seconds a small parse may take before skipping")
    args = ap.parse_args(argv)

    from hermes_core.plugins import get_hermes

    host = get_hermes()
    small, large = args.small, args.small * 10
    print(
        f"python {sys.version.split()[0]}; best thread CPU time; ratio = t({large}) / t({small}), linear ~10"
    )
    header = f"{'parser':<18}{'bait':<46}{'MB':>6}{'t small ms':>12}{'t large ms':>12}{'ratio':>8}"
    print(header)
    print("-" * len(header))
    worst: dict[str, float] = {}
    for name in host.parsers.names():
        if args.only and name not in args.only:
            continue
        try:
            parser = host.parser(name)
            shapes = bait_shapes(parser)
        except Exception as exc:
            print(f"{name:<18}failed to load: {type(exc).__name__}: {exc}")
            continue
        for unit, suffix in shapes:
            label = repr(unit + ("…" + suffix if suffix else ""))[:44]
            try:
                t_small = best_time(parser.parse, unit * small + suffix, 3)
                if t_small > args.limit:
                    print(f"{name:<18}{label:<46}{'':>6}{t_small * 1e3:>12.1f}{'skipped':>12}{'—':>8}")
                    worst[name] = float("inf")
                    continue
                text = unit * large + suffix
                t_large = best_time(parser.parse, text, 2)
            except Exception as exc:  # parse must never raise: report it
                print(f"{name:<18}{label:<46}raised {type(exc).__name__}: {exc}")
                continue
            ratio = t_large / max(t_small, 1e-9)
            worst[name] = max(worst.get(name, 0.0), ratio)
            mb = len(text.encode()) / 1e6
            print(
                f"{name:<18}{label:<46}{mb:>6.1f}{t_small * 1e3:>12.1f}{t_large * 1e3:>12.1f}{ratio:>8.1f}",
                flush=True,
            )
    slow = sorted(n for n, r in worst.items() if r >= 30)
    print(f"worst ratio per parser: {', '.join(f'{n} {r:.0f}' for n, r in sorted(worst.items()))}")
    print("not linear (ratio >= 30 or skipped): " + (", ".join(slow) if slow else "none"))
    return 1 if slow else 0


if __name__ == "__main__":
    raise SystemExit(main())
