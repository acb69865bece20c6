"""Test every distribution alone: a fresh venv holding only it, its declared dependencies and the test kit.

A distribution's ``test`` extra (what its own tests need besides the kit) is installed too.

python scripts/test_each.py [NAME ...] [--jobs N] [--keep]

This is how opentelemetry-python-contrib tests each package: a plugin whose tests pass only because a
sibling happens to be installed fails here. Distributions of this repository that a pyproject names are
installed from their folders (recursively); everything else comes from the package index. uv makes a venv
per distribution cheap (its cache hard-links wheels). Prints one line per distribution and a closing
``N passed, N failed`` line; exits non-zero when any failed.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TESTKIT = "hermes-testkit"
# What a distribution's tests run with besides its own dependencies: the test kit and its tools.
TEST_TOOLS = ["pytest>=8", "hypothesis>=6.100", "pexpect>=4.8", "build>=1.2"]


def distributions() -> dict[str, Path]:
    """``{distribution name: folder}`` for every pyproject in the repository."""
    found = {}
    for pyproject in [
        ROOT / "pyproject.toml",
        *ROOT.glob("*/pyproject.toml"),
        *ROOT.glob("plugins/*/pyproject.toml"),
    ]:
        name = tomllib.loads(pyproject.read_text())["project"]["name"]
        found[name] = pyproject.parent
    return found


def _requirement_name(requirement: str) -> str:
    return re.split(r"[\s<>=!~;\[(]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def local_closure(name: str, dists: dict[str, Path], with_test_extra: bool = False) -> list[str]:
    """``name`` and every repository distribution it depends on, recursively (extras included; the
    ``test`` extra of ``name`` itself too when ``with_test_extra``)."""
    seen: list[str] = []
    stack = [name]
    while stack:
        current = stack.pop()
        if current in seen:
            continue
        seen.append(current)
        project = tomllib.loads((dists[current] / "pyproject.toml").read_text())["project"]
        requirements = list(project.get("dependencies", []))
        for extra, extra_requirements in project.get("optional-dependencies", {}).items():
            if extra != "test" or (with_test_extra and current == name):
                requirements.extend(extra_requirements)
        stack.extend(r for r in map(_requirement_name, requirements) if r in dists and r not in seen)
    return seen


def test_paths(folder: Path) -> list[Path]:
    """The distribution's tests: ``tests/`` beside its package (the core's are the repository's tests/)."""
    return [p for p in (folder / "tests",) if p.is_dir()]


def run_one(name: str, dists: dict[str, Path], work: Path, keep: bool) -> tuple[str, bool, float, str]:
    started = time.perf_counter()
    folder = dists[name]
    paths = test_paths(folder)
    if not paths:
        return name, True, 0.0, "no tests"
    venv = work / name
    log: list[str] = []

    def sh(*command: str | Path, cwd: Path = ROOT) -> bool:
        done = subprocess.run(list(map(str, command)), cwd=cwd, capture_output=True, text=True, check=False)
        log.append(f"$ {' '.join(map(str, command))}\n{done.stdout[-6000:]}{done.stderr[-6000:]}")
        return done.returncode == 0

    targets = [str(dists[d]) for d in local_closure(name, dists, with_test_extra=True)]
    own = tomllib.loads((folder / "pyproject.toml").read_text())["project"]
    if "test" in own.get("optional-dependencies", {}):  # what the distribution's own tests need
        targets[0] += "[test]"
    if name != TESTKIT:
        targets += [str(dists[d]) for d in local_closure(TESTKIT, dists) if str(dists[d]) not in targets]
    ok = sh("uv", "venv", "-q", "--seed", "--python", sys.executable, venv) and sh(
        "uv", "pip", "install", "-q", "--python", venv / "bin" / "python", *targets, *TEST_TOOLS
    )
    if ok:
        env_path = f"{venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"
        done = subprocess.run(
            [
                str(venv / "bin" / "python"),
                "-P",
                "-m",
                "pytest",
                "-q",
                "-p",
                "no:cacheprovider",
                *map(str, paths),
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
            env={
                **os.environ,
                "PATH": env_path,
                "VIRTUAL_ENV": str(venv),
                "HF_HUB_OFFLINE": "1",
                "WANDB_MODE": "disabled",
            },
        )
        log.append(done.stdout[-20000:] + done.stderr[-4000:])
        ok = done.returncode in (0, 5)
    if not keep:
        shutil.rmtree(venv, ignore_errors=True)
    summary = (log[-1].strip().splitlines() or [""])[-1] if log else ""
    return name, ok, time.perf_counter() - started, summary if ok else "\n".join(log)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="distribution names (default: all)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--keep", action="store_true", help="keep the venvs (under the printed folder)")
    args = parser.parse_args(argv)
    if shutil.which("uv") is None:
        print("scripts/test_each.py needs uv (pip install uv; scripts/install adds it)", file=sys.stderr)
        return 2
    dists = distributions()
    unknown = [n for n in args.names if n not in dists]
    if unknown:
        print(
            f"unknown distribution(s): {', '.join(unknown)}; known: {', '.join(sorted(dists))}",
            file=sys.stderr,
        )
        return 2
    names = args.names or sorted(dists)
    work = Path(tempfile.mkdtemp(prefix="hermes-each-"))
    passed = failed = 0
    with ThreadPoolExecutor(args.jobs) as pool:
        for name, ok, seconds, detail in pool.map(lambda n: run_one(n, dists, work, args.keep), names):
            status = "ok  " if ok else "FAIL"
            first = detail.splitlines()[-1] if ok and detail else ""
            print(f"{status} {name:<32} {seconds:6.1f} s  {first}", flush=True)
            if not ok:
                print("    " + detail.replace("\n", "\n    ")[-12000:], flush=True)
            passed += ok
            failed += not ok
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    print(f"distributions: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
