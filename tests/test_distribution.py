"""Real entry points: a plugin built as a wheel, installed into a fresh venv beside hermes-kernel."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from hermes_testkit.pytest_plugin import build_wheel, build_wheels

pytestmark = pytest.mark.slow


def write_plugin(
    root: Path, dist: str, module: str, source: str, requires: str = "hermes-kernel>=0.1,<0.2"
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
        requires="hermes-kernel>=9",
    )
    wheels = build_wheels([good, broken], tmp_path)
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
    assert "requires hermes-kernel>=9" in records["hermes-demo-future"]["error"]

    called = hermes_fresh_venv.run_hermes("tools", "call", "shout", '{"text": "hi"}')
    assert called.returncode == 0 and json.loads(called.stdout) == {"output": "HI"}

    text = hermes_fresh_venv.run_hermes("plugins", "list")
    assert text.returncode == 0 and "hermes-demo-broken 1.2.3  [failed: ModuleNotFoundError" in text.stdout


REPO = Path(__file__).resolve().parent.parent


def test_a_parser_plugin_installs_and_works_alone(hermes_fresh_venv, tmp_path):
    """`pip install ./plugins/hermes-parser-qwen` beside hermes-kernel: qwen is listed and parses."""
    hermes_fresh_venv.pip_install(build_wheel(REPO / "plugins" / "hermes-parser-qwen", tmp_path))
    listing = json.loads(hermes_fresh_venv.run_hermes("plugins", "list", "--json").stdout)
    qwen = next(r for r in listing if r["name"] == "hermes-parser-qwen")
    assert qwen["status"] == "ok" and qwen["provides"]["parsers"] == ["qwen", "qwen3_coder"]
    completion = (
        "Let me check.\n<tool_call>\n<function=get_weather>\n<parameter=city>\nParis\n</parameter>\n"
        "<parameter=days>\n3\n</parameter>\n</function>\n</tool_call>"
    )
    parsed = hermes_fresh_venv.run_hermes("parse", "--parser", "qwen3_coder", "-", "--json", input=completion)
    assert parsed.returncode == 0, parsed.stderr
    result = json.loads(parsed.stdout)
    assert result["content"] == "Let me check."
    (call,) = result["tool_calls"]
    assert call["function"]["name"] == "get_weather"
    assert json.loads(call["function"]["arguments"]) == {"city": "Paris", "days": 3}

    # what a minimal install lacks is named with the distribution that brings it (issue 23.6)
    run = hermes_fresh_venv.run_hermes("run", "hi")
    assert run.returncode == 2 and "pip install hermes-agent-loop" in run.stderr
    auto = hermes_fresh_venv.run_hermes("parse", "--parser", "auto", "-", input=completion)
    assert auto.returncode == 1 and "it comes with hermes-parsers: pip install hermes-parsers" in auto.stderr
    doctor = hermes_fresh_venv.run_hermes("doctor", "--offline")
    assert "pip install hermes-tools-terminal" in doctor.stdout


def test_every_plugin_distribution_builds_and_loads_beside_hermes_core(hermes_fresh_venv, tmp_path):
    """Each folder under plugins/ (and the three batteries) is a distribution with a working entry point."""
    projects = sorted(p.parent for p in REPO.glob("plugins/*/pyproject.toml"))
    projects += [REPO / name for name in ("hermes_parsers", "hermes_tools_terminal", "hermes_tools_web")]
    hermes_fresh_venv.pip_install("--no-deps", *build_wheels(projects, tmp_path))
    listing = json.loads(hermes_fresh_venv.run_hermes("plugins", "list", "--json").stdout)
    by_name = {r["name"]: r for r in listing}
    for project in projects:
        import tomllib

        meta = tomllib.loads((project / "pyproject.toml").read_text())["project"]
        if "hermes" not in meta.get("entry-points", {}):  # the test kit is a pytest plugin, not ours
            continue
        dist = meta["name"]
        assert dist in by_name, f"{dist} not discovered"
        # --no-deps: a plugin whose SDK is missing must still load (SDKs are imported on use)
        assert by_name[dist]["status"] == "ok", (dist, by_name[dist]["error"])


def readme_blocks(fence: str) -> dict[str, str]:
    """The README's fenced ``fence`` blocks, keyed by their first line (``# hermes_shout/__init__.py``)."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    blocks = text.split(f"```{fence}\n")[1:]
    return {block.split("\n", 1)[0]: block.split("\n```", 1)[0] for block in blocks}


def test_the_readme_plugin_example_installs_and_works(hermes_fresh_venv, tmp_path):
    """The "Writing a plugin" section, exactly as printed: its module and its pyproject, then
    `pip install ./hermes-shout` and the command the README says prints {"output": "HI"}."""
    source = readme_blocks("python")["# hermes_shout/__init__.py"]
    pyproject = readme_blocks("toml")["# pyproject.toml"]
    project = tmp_path / "hermes-shout"
    (project / "hermes_shout").mkdir(parents=True)
    (project / "hermes_shout" / "__init__.py").write_text(source)
    (project / "pyproject.toml").write_text(pyproject)
    hermes_fresh_venv.pip_install(str(project))
    called = hermes_fresh_venv.run_hermes("tools", "call", "shout", '{"text": "hi"}')
    assert called.returncode == 0, called.stderr
    assert json.loads(called.stdout) == {"output": "HI"}
