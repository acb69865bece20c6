"""pytest plugin (entry point ``pytest11``): fixtures any hermes plugin's tests can use."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from hermes_testkit.env_fixtures import env_local_backend, env_tokenizer_dir
from hermes_testkit.fuzz import configure_hypothesis

__all__ = [
    "FreshVenv",
    "build_wheel",
    "build_wheels",
    "env_local_backend",
    "env_tokenizer_dir",
    "hermes_empty_host",
    "hermes_fresh_venv",
    "hermes_host",
    "server",
]


def pytest_configure(config: pytest.Config) -> None:
    """Property tests search as :mod:`hermes_testkit.fuzz` says (fixed in CI, longer on demand)."""
    configure_hypothesis()


@pytest.fixture
def server():
    """The kit's scripted OpenAI server (:class:`~hermes_testkit.openai_server.ScriptedOpenAIServer`) on
    127.0.0.1 for one test, stopped afterwards: queue its replies or set its ``responder``."""
    from hermes_testkit.openai_server import ScriptedOpenAIServer

    with ScriptedOpenAIServer() as scripted:
        yield scripted


@pytest.fixture
def hermes_empty_host():
    """An empty :class:`~hermes_core.plugins.Hermes` installed as the process-wide host for one test.

    Register what the test needs on it (``host.pm.register(module)`` or the registries directly); the
    previous host comes back afterwards, so tests never leak registrations into each other.
    """
    import hermes_core.plugins as plugins

    previous = plugins._host
    fresh = plugins.Hermes()
    plugins.set_hermes(fresh)
    yield fresh
    plugins.set_hermes(previous)


@pytest.fixture
def hermes_host():
    """A fresh :class:`~hermes_core.plugins.Hermes` that loaded the installed plugins, not the global one."""
    from hermes_core.plugins import Hermes

    return Hermes.from_entry_points()


class FreshVenv:
    """A virtual environment holding only ``hermes-kernel`` (built as a wheel from this checkout)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.python = path / "bin" / "python"
        self.hermes = path / "bin" / "hermes"

    def pip_install(self, *targets: str | Path) -> None:
        _run(
            [
                str(self.python),
                "-m",
                "pip",
                "install",
                "-q",
                "--disable-pip-version-check",
                *map(str, targets),
            ]
        )

    def run_hermes(self, *args: str, input: str | None = None) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(self.hermes), *args], capture_output=True, text=True, input=input, timeout=120, check=False
        )


def _run(command: list[str], **kwargs) -> None:
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False, **kwargs)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")


def build_wheel(project_dir: Path, out_dir: Path) -> Path:
    """Build ``project_dir`` into a wheel in ``out_dir`` (pip's build isolation, as a user's install does)."""
    (wheel,) = build_wheels([project_dir], out_dir)
    return wheel


def build_wheels(project_dirs: list[Path], out_dir: Path) -> list[Path]:
    """Build several projects in one pip call (one resolver start instead of one per project).

    Where the build backend (hatchling) is importable here, pip builds without an isolated environment
    per project: fifty projects then take seconds instead of minutes of creating build environments."""
    import importlib.util

    isolation = [] if importlib.util.find_spec("hatchling") is None else ["--no-build-isolation"]
    before = set(out_dir.glob("*.whl"))
    _run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", *isolation, "-w", str(out_dir)]
        + list(map(str, project_dirs))
    )
    return sorted(set(out_dir.glob("*.whl")) - before)


def kernel_source(rootdir: Path) -> Path | None:
    """The folder holding hermes-kernel's ``pyproject.toml``, or ``None`` outside a checkout."""
    import hermes_core

    candidates = [os.environ.get("HERMES_KERNEL_SOURCE"), Path(hermes_core.__file__).resolve().parent.parent]
    for candidate in [*candidates, rootdir]:
        if candidate and (Path(candidate) / "pyproject.toml").is_file():
            text = (Path(candidate) / "pyproject.toml").read_text(encoding="utf-8")
            if 'name = "hermes-kernel"' in text:
                return Path(candidate)
    return None


@pytest.fixture(scope="session")
def hermes_fresh_venv(tmp_path_factory, pytestconfig) -> FreshVenv:
    """A new venv with only hermes-kernel, built from the checkout (``HERMES_KERNEL_SOURCE``, else the
    folder of an editable install or of pytest's rootdir): prove a plugin installs and works alone."""
    root = kernel_source(pytestconfig.rootpath)
    if root is None:
        pytest.skip("no hermes-kernel source checkout to build (set HERMES_KERNEL_SOURCE)")
    base = tmp_path_factory.mktemp("fresh-venv")
    _run([sys.executable, "-m", "venv", str(base / "venv")])
    venv = FreshVenv(base / "venv")
    venv.pip_install(build_wheel(root, base))
    return venv
