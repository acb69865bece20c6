"""Every bad input is one line on stderr and a non-zero exit, never a traceback."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import types

import pytest

from hermes_core import Tool, Toolset, hookimpl
from hermes_core.cli import main


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(list(argv))
        raise SystemExit(0)
    out, err = capsys.readouterr()
    return exit_info.value.code or 0, out, err


@pytest.fixture
def demo_host(host):
    plugin = types.ModuleType("demo")

    @hookimpl
    def register_tools(register):
        register(
            Tool(
                name="add",
                description="add",
                handler=lambda a, t: a["a"] + a["b"],
                parameters={
                    "type": "object",
                    "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
                    "required": ["a", "b"],
                },
            )
        )

    @hookimpl
    def register_toolsets(register):
        register(Toolset(name="math", tools=["add"]))
        register(Toolset(name="loop_a", includes=["loop_b"]))
        register(Toolset(name="loop_b", includes=["loop_a"]))

    plugin.register_tools, plugin.register_toolsets = register_tools, register_toolsets
    host.register(plugin, name="demo")
    return host


def test_tools_call_prints_the_json_result(capsys, demo_host):
    code, out, _ = run_cli(capsys, "tools", "call", "add", '{"a": 2, "b": 3}')
    assert code == 0 and json.loads(out) == 5


@pytest.mark.parametrize(
    "argv, expected",
    [
        (("tools", "call", "nope", "{}"), "error: unknown tool 'nope'; installed: add"),
        (("tools", "call", "add", "{oops"), "error: ARGUMENTS is not valid JSON"),
        (("tools", "list", "--toolset", "loop_a"), "error: toolset cycle: loop_a -> loop_b -> loop_a"),
        (("tools", "list", "--toolset", "ghost"), "error: unknown toolset 'ghost'"),
        (("parse", "--parser", "ghost", "-"), "error: unknown tool-call parser 'ghost'; installed: "),
        (("parse", "--parser", "ghost", "/no/such/file"), "error: unknown tool-call parser"),
    ],
)
def test_bad_input_is_one_line_and_non_zero(capsys, demo_host, argv, expected):
    code, _, err = run_cli(capsys, *argv)
    assert code != 0
    assert err.startswith(expected), err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_schema_violation_exits_non_zero_with_the_error_json(capsys, demo_host):
    code, out, _ = run_cli(capsys, "tools", "call", "add", '{"a": 1}')
    assert code == 1 and "'b' is a required property" in json.loads(out)["error"]


def test_toolsets_list_reports_cycles_without_failing(capsys, demo_host):
    code, out, _ = run_cli(capsys, "toolsets", "list", "--json")
    rows = {r["name"]: r for r in json.loads(out)}
    assert code == 0
    assert rows["math"]["tools"] == ["add"]
    assert "cycle" in rows["loop_a"]["error"]


def test_plugins_list_json_shape(capsys, demo_host):
    code, out, _ = run_cli(capsys, "plugins", "list", "--json")
    (record,) = json.loads(out)
    assert code == 0
    assert set(record) == {"name", "version", "entry_point", "hooks", "provides", "status", "error"}
    assert record["provides"] == {"tools": ["add"], "toolsets": ["loop_a", "loop_b", "math"]}


def test_plugins_list_survives_when_every_plugin_is_broken(tmp_path):
    """Every installed plugin broken at import (simulated by a module shadowing each one) still lists."""
    from importlib import metadata

    names = sorted({ep.value.split(":")[0] for ep in metadata.entry_points(group="hermes")})
    for name in names:
        (tmp_path / f"{name.split('.')[0]}.py").write_text("raise ImportError('sabotaged for the test')\n")
    done = subprocess.run(
        [sys.executable, "-m", "hermes_core", "plugins", "list", "--json"],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"},
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    records = json.loads(done.stdout)
    assert records[0]["name"] == "hermes-kernel" and records[0]["status"] == "ok"
    assert all(r["status"] == "failed" for r in records[1:])
    assert len(records) - 1 == len(list(metadata.entry_points(group="hermes")))


def test_loading_every_installed_plugin_imports_no_heavy_library():
    """`hermes plugins list` stays quick: plugins register lazily; SDKs load when a tool or backend runs."""
    heavy = (
        "pydantic",
        "asyncio",
        "openai",
        "httpx",
        "atroposlib",
        "modal",
        "docker",
        "paramiko",
        "yaml",
        "rich",
    )
    code = (
        "import sys; from hermes_core.plugins import get_hermes; host = get_hermes(); "
        f"print([m for m in {heavy!r} if m in sys.modules]); "
        "print([r.name for r in host.records.values() if r.status != 'ok'])"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    imported, not_ok = done.stdout.splitlines()
    assert imported == "[]"
    assert not_ok == "[]"


@pytest.mark.parametrize("verb", ["enable", "disable"])
def test_enabling_or_disabling_a_plugin_that_does_not_exist_fails(capsys, tmp_path, monkeypatch, verb):
    monkeypatch.setenv("HERMES_HOME", str(tmp_path))
    with pytest.raises(SystemExit) as exited:
        main(["plugins", verb, "nosuch"])
    assert exited.value.code == 1
    err = capsys.readouterr().err
    assert "no installed plugin named 'nosuch'" in err and err.count("\n") == 1
    assert not (tmp_path / "config.yaml").exists()  # nothing written


def test_enabling_a_stale_entry_of_an_uninstalled_plugin_is_allowed(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("HERMES_HOME", str(tmp_path))
    (tmp_path / "config.yaml").write_text("plugins:\n  disabled: [gone-plugin]\n")
    main(["plugins", "enable", "gone-plugin"])
    assert "plugin gone-plugin enabled" in capsys.readouterr().out
    assert "gone-plugin" not in (tmp_path / "config.yaml").read_text()


def test_plugins_list_opens_with_a_summary_and_shows_aliases(capsys):
    """A long list starts with what it is about; aliases are names a user may type, so they are shown;
    settings and hooks wait for --verbose."""
    code, out, _ = run_cli(capsys, "plugins", "list")
    assert code == 0
    first, *rest = out.splitlines()
    records = json.loads(run_cli(capsys, "plugins", "list", "--json")[1])
    assert first.startswith(f"{len(records)} plugins: ")
    assert f"{sum(r['status'] == 'ok' for r in records)} ok" in first
    assert not any(line.strip().startswith(("settings:", "hooks:")) for line in rest)
    verbose = run_cli(capsys, "plugins", "list", "--verbose")[1]
    assert "    hooks: register_settings" in verbose and "    settings: " in verbose
    if any(r["name"] == "hermes-parser-qwen" and r["status"] == "ok" for r in records):
        assert re.search(r"parsers: qwen \(([^)]*\b)?qwen3\b", out), out


def test_a_plugin_called_by_its_short_name_gets_a_suggestion(capsys, monkeypatch, tmp_path):
    from hermes_core.cli.plugin_admin import installed_plugins

    monkeypatch.setenv("HERMES_HOME", str(tmp_path))
    dist = next((d for d in sorted(installed_plugins()) if d.startswith("hermes-parser-")), None)
    if dist is None:
        pytest.skip("no parser plugin installed")
    short = dist.removeprefix("hermes-parser-")
    code, _, err = run_cli(capsys, "plugins", "disable", short[:-1] + "x")  # a typo in the short name
    assert code == 1 and f"did you mean {dist}" in err


@pytest.mark.parametrize("verb", ["enable", "disable"])
def test_a_first_party_plugin_that_is_not_installed_says_what_to_install(capsys, monkeypatch, tmp_path, verb):
    import hermes_core.cli.plugin_admin as admin

    monkeypatch.setenv("HERMES_HOME", str(tmp_path))
    monkeypatch.setattr(admin, "installed_plugins", lambda: {})
    code, _, err = run_cli(capsys, "plugins", verb, "hermes-backend-docker")
    assert code == 1 and "install it: pip install hermes-backend-docker" in err


@pytest.mark.parametrize("group", ["tools", "toolsets", "config", "plugins"])
def test_a_command_group_alone_prints_its_help_like_hermes_alone(capsys, group):
    code, out, _ = run_cli(capsys, group)
    assert code == 0 and out.startswith(f"Usage: hermes {group} [OPTIONS] COMMAND")


def test_tools_show_gives_description_parameters_and_status(capsys, demo_host):
    code, out, _ = run_cli(capsys, "tools", "show", "add")
    assert code == 0
    assert out.splitlines()[0] == "add  (plugin demo)"
    assert "  a: integer, required" in out and "toolsets: math" in out and "status: available" in out
    code, out, _ = run_cli(capsys, "tools", "show", "add", "--json")
    shown = json.loads(out)
    assert shown["function"]["name"] == "add" and shown["available"] is True and shown["toolsets"] == ["math"]
    code, _, err = run_cli(capsys, "tools", "show", "no-such-tool")
    assert code == 1 and "unknown tool 'no-such-tool'" in err


def test_an_unknown_tool_gets_a_near_name_or_the_distribution_that_provides_it(capsys, demo_host):
    """Issue 23's "did you mean" and "not found names the distribution", for tools as for commands:
    a typo of an installed tool, and a first-party tool whose plugin is not installed."""
    for verb in (("tools", "show", "ad"), ("tools", "call", "ad", "{}")):
        code, _, err = run_cli(capsys, *verb)
        assert code == 1 and "unknown tool 'ad' (did you mean add?)" in err
    for verb in (("tools", "show", "terminal"), ("tools", "call", "terminal", '{"command": "ls"}')):
        code, _, err = run_cli(capsys, *verb)
        assert code == 1
        assert "it comes with hermes-tools-terminal: pip install hermes-tools-terminal" in err


def test_a_minimal_install_says_which_distributions_bring_the_default_tools(capsys, host):
    """The core alone (issue 23.6): the default toolset is empty, and both lists say what to install."""
    import hermes_core.builtin

    host.register(hermes_core.builtin, name="hermes-kernel")
    code, out, _ = run_cli(capsys, "tools", "list")
    assert code == 0 and out.splitlines() == [
        "0 tools: 0 available, 0 unavailable",
        "tools come with plugins: pip install hermes-tools-terminal hermes-tools-web",
    ]
    code, out, _ = run_cli(capsys, "toolsets", "list")
    assert "default          (no tools installed: pip install hermes-tools-terminal hermes-tools-web)" in out
    code, out, _ = run_cli(capsys, "toolsets", "list", "--json")
    assert {row["name"]: row["install"] for row in json.loads(out)}["research"] == [
        "hermes-tools-terminal",
        "hermes-tools-web",
    ]


def test_help_on_a_minimal_install_names_the_commands_other_plugins_add(capsys, host):
    """`hermes --help` with the core alone: `run` is nowhere in the list, so the help says where it is."""
    code, out, _ = run_cli(capsys, "--help")
    assert code == 0
    more = out.split("Commands that other plugins add:\n", 1)[1].splitlines()
    assert "  batch, chat, run  pip install hermes-agent-loop" in more
    assert "  env               pip install hermes-envs" in more


def test_tools_call_shares_its_task_folder_across_invocations(tmp_path):
    """As `--task-id`'s help says: `write_file` then `read_file`, two processes, one task folder."""
    env = {**__import__("os").environ, "HERMES_HOME": str(tmp_path), "TERMINAL_ENV": "local"}

    def hermes(*args: str) -> subprocess.CompletedProcess:
        command = [sys.executable, "-m", "hermes_core", *args]
        return subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)

    if "write_file" not in hermes("tools", "list").stdout:
        pytest.skip("the file tools (hermes-tools-terminal) are not installed")
    assert hermes("tools", "call", "write_file", '{"path": "a.txt", "content": "hi"}').returncode == 0
    read = hermes("tools", "call", "read_file", '{"path": "a.txt"}')
    assert read.returncode == 0 and json.loads(read.stdout)["content"] == "hi"
    other = hermes("tools", "call", "read_file", '{"path": "a.txt"}', "--task-id", "other")
    assert other.returncode == 1  # another task, another folder
    cleaned = hermes("tools", "clean")
    assert cleaned.stdout.startswith("removed 1 task folder(s)")
    assert hermes("tools", "call", "read_file", '{"path": "a.txt"}').returncode == 1


def test_tools_list_opens_with_a_summary_and_colours_only_a_terminal(demo_host):
    from click.testing import CliRunner

    from hermes_core.cli import cli

    plain = CliRunner().invoke(cli, ["tools", "list"]).output
    assert re.fullmatch(r"\d+ tools: \d+ available, \d+ unavailable", plain.splitlines()[0])
    assert "\x1b[" not in plain
    coloured = CliRunner().invoke(cli, ["tools", "list"], color=True).output
    assert "\x1b[32mok\x1b[0m" in coloured


def test_plugin_commands_follow_the_host(capsys, hermes_empty_host):
    """Commands added for one host are not kept for the next: an empty host first, then the real one."""
    import hermes_core.plugins as plugins
    from hermes_core.cli import cli

    cli.add_plugin_commands()
    assert "run" not in cli.lazy and "run" not in cli.commands  # the empty host adds nothing
    real = plugins.Hermes.from_entry_points()
    plugins.set_hermes(real)
    cli.add_plugin_commands()
    if "hermes-agent-loop" in real.records and real.records["hermes-agent-loop"].status == "ok":
        assert "run" in cli.lazy or "run" in cli.commands


def _commands(group, ctx, path=()):
    import click

    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        if command is None or command.hidden:
            continue
        if isinstance(command, click.Group):
            yield from _commands(command, click.Context(command, info_name=name, parent=ctx), (*path, name))
        else:
            yield (*path, name), command


def test_every_command_that_takes_input_shows_an_example():
    """The newcomer's rule (issue 23): a command that takes input (an argument, or an option with a value)
    shows how it is called in --help."""
    import click

    from hermes_core.cli import cli

    def takes_input(param: click.Parameter) -> bool:
        return isinstance(param, click.Argument) or (isinstance(param, click.Option) and not param.is_flag)

    ctx = click.Context(cli, info_name="hermes")
    missing = [
        " ".join(path)
        for path, command in _commands(cli, ctx)
        if any(takes_input(p) for p in command.params)
        and f"hermes {' '.join(path)}" not in (command.help or "") + (command.epilog or "")
    ]
    assert missing == []
