"""What an install costs: packages, MB and import-plus-first-parse time, each set in a fresh venv.

python benchmarks/footprint.py [--sets core,parser,agent,envs] [--runs 7]

Sets (each installed from this checkout into its own new virtualenv, in the same run):
  core    hermes-kernel alone
  parser  hermes-kernel + hermes-parser-qwen          (what an inference server embeds)
  agent   + hermes-agent-loop                          (run / batch / chat)
  envs    + hermes-envs                                (the atroposlib environment base)

Packages and MB leave out pip, setuptools and their helpers (every venv has them). Time is measured inside
a fresh interpreter from before the first import to after the first parse (median of --runs processes),
beside the same process doing ``import json; json.loads(...)`` as the baseline; goal: <= 30 ms.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SETS = {
    "core": ["."],
    "parser": [".", "plugins/hermes-parser-qwen"],
    "agent": [".", "plugins/hermes-parser-qwen", "plugins/hermes-agent-loop"],
    "envs": [".", "plugins/hermes-parser-qwen", "plugins/hermes-agent-loop", "plugins/hermes-envs"],
}
NOT_COUNTED = {"pip", "setuptools", "wheel", "_distutils_hack", "pkg_resources", "distutils-precedence.pth"}
COMPLETION = (
    'Let me check.\n<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>'
)

FIRST_PARSE = """
import time
t0 = time.perf_counter()
{imports}
parsed = {parse}
t1 = time.perf_counter()
assert parsed.tool_calls, parsed
print((t1 - t0) * 1000)
"""
BASELINE = """
import time
t0 = time.perf_counter()
import json
json.loads('{"city": "Paris"}')
print((time.perf_counter() - t0) * 1000)
"""


def _site_packages(venv: Path) -> Path:
    (site,) = venv.glob("lib/python3*/site-packages")
    return site


def _size_mb(path: Path) -> float:
    if path.is_file():
        return path.stat().st_size / 1e6
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6


def _counted(site: Path) -> list[Path]:
    out = []
    for entry in site.iterdir():
        stem = entry.name.split("-")[0].lower()
        if entry.name in NOT_COUNTED or stem in NOT_COUNTED or entry.name == "__pycache__":
            continue
        out.append(entry)
    return out


def _median_ms(python: Path, code: str, runs: int) -> float:
    times = []
    for _ in range(runs):
        done = subprocess.run([str(python), "-c", code], capture_output=True, text=True, check=True)
        times.append(float(done.stdout.strip().splitlines()[-1]))
    return statistics.median(times)


def measure(name: str, targets: list[str], runs: int, work: Path) -> dict:
    venv = work / name
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    started = time.perf_counter()
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", *targets],
        cwd=ROOT,
        check=True,
    )
    install_s = time.perf_counter() - started
    listed = subprocess.run(
        [str(python), "-m", "pip", "list", "--format=json", "--disable-pip-version-check"],
        capture_output=True,
        text=True,
        check=True,
    )
    packages = [p["name"] for p in json.loads(listed.stdout) if p["name"].lower() not in NOT_COUNTED]
    site = _site_packages(venv)
    row = {
        "set": name,
        "packages": len(packages),
        "mb": round(sum(_size_mb(p) for p in _counted(site)), 1),
        "install_s": round(install_s, 1),
        "names": sorted(packages),
    }
    if name != "core":
        direct = FIRST_PARSE.format(
            imports="from hermes_parser_qwen.qwen import QwenParser",
            parse=f"QwenParser().parse({COMPLETION!r})",
        )
        hosted = FIRST_PARSE.format(
            imports="from hermes_core.plugins import get_hermes",
            parse=f"get_hermes().parser('qwen').parse({COMPLETION!r})",
        )
        row["first_parse_ms"] = round(_median_ms(python, direct, runs), 1)
        row["first_parse_via_host_ms"] = round(_median_ms(python, hosted, runs), 1)
        row["json_baseline_ms"] = round(_median_ms(python, BASELINE, runs), 2)
    return row


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default=",".join(SETS))
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory(prefix="hermes-footprint-") as tmp:
        for name in args.sets.split(","):
            rows.append(measure(name, SETS[name], args.runs, Path(tmp)))
            row = rows[-1]
            parse = (
                f"  first parse {row['first_parse_ms']:6.1f} ms (through the host "
                f"{row['first_parse_via_host_ms']:.1f} ms; import json + loads {row['json_baseline_ms']} ms)"
                if "first_parse_ms" in row
                else ""
            )
            print(f"{name:<7} {row['packages']:>3} packages {row['mb']:>7.1f} MB{parse}", flush=True)
            if name in ("core", "parser"):
                print("        " + ", ".join(row["names"]))
    return rows


if __name__ == "__main__":
    main()
