"""Reasoning-parser benchmark: whole-text split and streamed deltas against the ``str.partition`` floor.

    python benchmarks/reasoning_parsers.py            # every installed reasoning parser, three sizes
    python benchmarks/reasoning_parsers.py --quick    # a smoke run (CI)

For each parser a completion in its own markers (reasoning of 200 B, 2 KB, 20 KB, then a short answer)
is split whole (``extract``) and streamed in 4-character deltas (``stream().feed``), next to the floor
measured in the same run: one ``str.partition`` at the end marker. Figures are thread CPU time (best of
several runs), so the machine's load does not bend them. Printed: microseconds and the ratio to the
floor for the whole text, microseconds per delta for the stream, and the streamed ÷ whole equality check.
"""

from __future__ import annotations

import argparse
import statistics
import time

from hermes_core.plugins import get_hermes
from hermes_core.reasoning import join_reasoning

SIZES = (200, 2_000, 20_000)


def best(fn, runs: int, repeat: int = 5) -> float:
    """Best per-call thread CPU time of ``fn`` over ``repeat`` batches of ``runs`` calls."""
    found = float("inf")
    for _ in range(repeat):
        start = time.thread_time()
        for _ in range(runs):
            fn()
        found = min(found, (time.thread_time() - start) / runs)
    return found


def completion(parser, size: int) -> tuple[str, str]:
    """A turn in the parser's markers and the end marker the floor partitions at."""
    starts, ends = getattr(parser, "starts", ()) or ("",), getattr(parser, "ends", ()) or ("</think>",)
    end = ends[0]
    return f"{starts[0]}{'word ' * (size // 5)}{end}{'answer ' * 8}", end


def stream_once(parser, text: str, step: int = 4):
    stream = parser.stream()
    deltas = []
    for i in range(0, len(text), step):
        deltas.extend(stream.feed(text[i : i + step]))
    deltas.extend(stream.finish())
    return deltas


def main() -> None:
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--quick", action="store_true", help="one size, fewer repeats")
    quick = args.parse_args().quick
    host = get_hermes()
    sizes = SIZES[:1] if quick else SIZES
    ratios: dict[int, list[float]] = {size: [] for size in sizes}
    print(f"{'parser':26} {'size':>6} {'extract us':>11} {'floor us':>9} {'ratio':>6} {'us/delta':>9}  same")
    for name in host.reasoning_parsers.names():
        parser = host.reasoning_parsers.get(name)(thinking=True)
        for size in sizes:
            text, end = completion(parser, size)
            runs = 20 if quick else max(20, 200_000 // size)
            whole = best(lambda text=text, parser=parser: parser.extract(text), runs)
            floor = best(lambda text=text, end=end: text.partition(end), runs)
            start = time.thread_time()
            deltas = stream_once(parser, text)
            per_delta = (time.thread_time() - start) / max(1, len(text) // 4)
            same = join_reasoning(deltas) == parser.extract(text)
            ratio = whole / max(floor, 1e-9)
            ratios[size].append(ratio)
            print(
                f"{name:26} {size:>6} {whole * 1e6:>11.1f} {floor * 1e6:>9.2f} {ratio:>6.1f} "
                f"{per_delta * 1e6:>9.2f}  {'yes' if same else 'NO'}"
            )
    for size, found in ratios.items():
        median = statistics.median(found)
        print(f"median ratio to the floor at {size} B: {median:.1f}x over {len(found)} parsers")


if __name__ == "__main__":
    main()
