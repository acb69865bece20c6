"""Cold start of `hermes plugins list`: median wall time of N runs against `python -c pass` in one run.

python benchmarks/plugins_list.py [--runs 15]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time


def median_seconds(command: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    runs = parser.parse_args().runs
    baseline = median_seconds([sys.executable, "-c", "pass"], runs)
    cases = {
        "python -m hermes_core plugins list": [sys.executable, "-m", "hermes_core", "plugins", "list"],
        "python -m hermes_core plugins list --json": [
            sys.executable,
            "-m",
            "hermes_core",
            "plugins",
            "list",
            "--json",
        ],
        "python -m hermes_core --help": [sys.executable, "-m", "hermes_core", "--help"],
    }
    print(f"{'command':<44} {'median ms':>10} {'x python -c pass':>18}")
    print(f"{'python -c pass (baseline)':<44} {baseline * 1000:>10.1f} {1.0:>18.2f}")
    for label, command in cases.items():
        seconds = median_seconds(command, runs)
        print(f"{label:<44} {seconds * 1000:>10.1f} {seconds / baseline:>18.2f}")


if __name__ == "__main__":
    main()
