"""Real entry points: a plugin built as a wheel, installed into a fresh venv beside hermes-core, is found."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from hermes_core.testing.pytest_plugin import build_wheel

pytestmark = pytest.mark.slow


def write_plugin(
    root: Path, dist: str, module: str, source: str, requires: str = "hermes-core>=0.1,<0.2"
) -> Path:
    project = root / dist
    (project / module).mkdir(parents=True)
    (project / module / "__init__.py").write_text(textwrap.dedent(source))
    (project / "pyproject.toml").write_text(
        textwrap.dedent(
            f"""
            [build-system]
            requires = ["hatchling"]
            build-backend = "hatchling.build"
            [project]
            name = "{dist}"
            version = "1.2.3"
            dependencies = ["{requires}"]
            [project.entry-points.hermes]
            {dist} = "{module}"
            """
        )
    )
    return project


def test_wheel_plugins_show_up_with_their_status(hermes_fresh_venv, tmp_path):
    good = write_plugin(
        tmp_path,
        "hermes-demo-good",
        "hermes_demo_good",
        """
        from hermes_core import hookimpl, Tool, Toolset

        @hookimpl
        def register_tools(register):
            register(Tool(name="shout", description="upper", handler=lambda a, t: a.get("text", "").upper()))

        @hookimpl
        def register_toolsets(register):
            register(Toolset(name="loud", tools=["shout"]))
        """,
    )
    broken = write_plugin(tmp_path, "hermes-demo-broken", "hermes_demo_broken", "import no_such_module_xyz\n")
    future = write_plugin(
        tmp_path,
        "hermes-demo-future",
        "hermes_demo_future",
        "raise SystemExit('must not be imported')\n",
        requires="hermes-core>=9",
    )
    wheels = [build_wheel(p, tmp_path) for p in (good, broken)]
    hermes_fresh_venv.pip_install(*wheels)
    hermes_fresh_venv.pip_install("--no-deps", build_wheel(future, tmp_path))

    listing = hermes_fresh_venv.run_hermes("plugins", "list", "--json")
    assert listing.returncode == 0, listing.stderr
    records = {r["name"]: r for r in json.loads(listing.stdout)}
    assert records["hermes-demo-good"]["status"] == "ok"
    assert records["hermes-demo-good"]["version"] == "1.2.3"
    assert records["hermes-demo-good"]["entry_point"] == "hermes-demo-good = hermes_demo_good"
    assert records["hermes-demo-good"]["hooks"] == ["register_tools", "register_toolsets"]
    assert records["hermes-demo-good"]["provides"] == {"tools": ["shout"], "toolsets": ["loud"]}
    assert records["hermes-demo-broken"]["status"] == "failed"
    assert "no_such_module_xyz" in records["hermes-demo-broken"]["error"]
    assert records["hermes-demo-future"]["status"] == "incompatible"
    assert "requires hermes-core>=9" in records["hermes-demo-future"]["error"]

    called = hermes_fresh_venv.run_hermes("tools", "call", "shout", '{"text": "hi"}')
    assert called.returncode == 0 and json.loads(called.stdout) == {"output": "HI"}

    text = hermes_fresh_venv.run_hermes("plugins", "list")
    assert text.returncode == 0 and "hermes-demo-broken 1.2.3  [failed: ModuleNotFoundError" in text.stdout
