"""The loader: one broken plugin never takes the host down; allow/deny lists; conflicts; strictness."""

from __future__ import annotations

import sys
import types
from importlib import metadata

import pytest

from hermes_core import Tool, Toolset, hookimpl, hookspecs
from hermes_core.parsing import ParsedCompletion, ToolCallParser
from hermes_core.plugins import Hermes


def make_plugin(name: str, **hooks) -> types.ModuleType:
    module = types.ModuleType(name)
    for hook_name, function in hooks.items():
        function.__name__ = hook_name
        setattr(module, hook_name, hookimpl(function))
    return module


def echo_tool(name: str = "echo") -> Tool:
    return Tool(name=name, description="echo", handler=lambda args, task_id: args)


class EchoParser(ToolCallParser):
    name = "echo_format"
    aliases = ("echo_alias",)

    def extract(self, text):
        return ParsedCompletion(content=text)


@pytest.fixture
def fake_entry_points(monkeypatch, tmp_path):
    """Real ``EntryPoint`` objects pointing at modules written to a temporary import path."""
    monkeypatch.syspath_prepend(str(tmp_path))
    points: list[metadata.EntryPoint] = []

    def add(name: str, source: str) -> None:
        (tmp_path / f"{name}.py").write_text(source)
        points.append(metadata.EntryPoint(name=name, value=name, group="hermes"))

    def entry_points(group=None, **_):
        return [p for p in points if group in (None, "hermes")]

    monkeypatch.setattr(metadata, "entry_points", entry_points)
    yield add
    for point in points:
        sys.modules.pop(point.value, None)


GOOD = """
from hermes_core import hookimpl, Tool
@hookimpl
def register_tools(register):
    register(Tool(name="good_tool", description="d", handler=lambda a, t: {"ok": True}))
"""
RAISES_ON_IMPORT = "raise RuntimeError('boom at import')\n"
RAISES_IN_HOOK = """
from hermes_core import hookimpl, Tool
@hookimpl
def register_tools(register):
    register(Tool(name="half_registered", description="d", handler=lambda a, t: 1))
    raise ValueError("boom in hook")
"""
UNKNOWN_HOOK = """
from hermes_core import hookimpl
@hookimpl
def register_tolls(register):
    pass
"""


def test_broken_plugins_are_reported_and_the_others_work(fake_entry_points):
    fake_entry_points("good_plugin", GOOD)
    fake_entry_points("import_broken", RAISES_ON_IMPORT)
    fake_entry_points("hook_broken", RAISES_IN_HOOK)
    fake_entry_points("typo_hook", UNKNOWN_HOOK)
    host = Hermes()
    host.load_entry_points()
    records = host.records
    assert records["good_plugin"].status == "ok"
    assert records["good_plugin"].provides == {"tools": ["good_tool"]}
    assert records["import_broken"].status == "failed"
    assert "boom at import" in records["import_broken"].error
    assert records["hook_broken"].status == "failed"
    assert "boom in hook" in records["hook_broken"].error
    assert records["typo_hook"].status == "failed"
    assert "register_tolls" in records["typo_hook"].error
    # the half-registered tool was undone, the good one works
    assert "half_registered" not in host.tools
    assert host.tools.handle_function_call("good_tool", {}) == '{"ok": true}'
    assert not host.pm.is_registered(sys.modules.get("hook_broken"))


def test_allow_and_deny_lists_apply_before_import(fake_entry_points, monkeypatch):
    fake_entry_points("good_plugin", GOOD)
    fake_entry_points("import_broken", RAISES_ON_IMPORT)
    monkeypatch.setenv("HERMES_LOAD_PLUGINS", "good_plugin")
    host = Hermes()
    host.load_entry_points()
    assert host.records["good_plugin"].status == "ok"
    assert host.records["import_broken"].status == "disabled"
    assert "import_broken" not in sys.modules  # never imported

    monkeypatch.setenv("HERMES_LOAD_PLUGINS", "")
    host = Hermes()
    host.load_entry_points()
    assert {r.status for r in host.records.values()} == {"disabled"}

    monkeypatch.delenv("HERMES_LOAD_PLUGINS")
    monkeypatch.setenv("HERMES_DISABLE_PLUGINS", "good-plugin")  # - and _ are the same name
    host = Hermes()
    host.load_entry_points()
    assert host.records["good_plugin"].status == "disabled"
    assert host.records["import_broken"].status == "failed"


def test_strict_mode_reraises_for_plugin_authors(fake_entry_points, monkeypatch):
    fake_entry_points("hook_broken", RAISES_IN_HOOK)
    monkeypatch.setenv("HERMES_STRICT_PLUGINS", "1")
    with pytest.raises(ValueError, match="boom in hook"):
        Hermes().load_entry_points()


def test_name_conflict_names_both_plugins_and_keeps_the_first():
    host = Hermes()
    host.register(make_plugin("a", register_tools=lambda register: register(echo_tool())), name="plugin-a")
    second = host.register(
        make_plugin("b", register_tools=lambda register: register(echo_tool())), name="plugin-b"
    )
    assert second.status == "failed"
    assert "plugin-a" in second.error and "plugin-b" in second.error and "'echo'" in second.error
    assert host.tools.entry("echo").plugin == "plugin-a"


def test_parser_alias_conflict_is_a_conflict_too():
    class Other(EchoParser):
        name = "other_format"
        aliases = ("echo_format",)

    host = Hermes()
    host.register(
        make_plugin("a", register_tool_call_parsers=lambda register: register(EchoParser)), name="a"
    )
    record = host.register(
        make_plugin("b", register_tool_call_parsers=lambda register: register(Other)), name="b"
    )
    assert record.status == "failed" and "'a'" in record.error and "'b'" in record.error
    assert type(host.parser("echo_alias")) is EchoParser


def test_lazy_registration_imports_on_first_use(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(tmp_path))
    (tmp_path / "heavy_backend_mod.py").write_text("class Heavy:\n    name = 'heavy'\n")
    host = Hermes()
    host.register(
        make_plugin(
            "lazy",
            register_terminal_backends=lambda register: register("heavy_backend_mod:Heavy", name="heavy"),
        ),
        name="lazy",
    )
    assert "heavy_backend_mod" not in sys.modules
    assert host.backends.get("heavy").__name__ == "Heavy"
    assert "heavy_backend_mod" in sys.modules


def test_lazy_reference_without_a_name_fails_the_plugin():
    host = Hermes()
    record = host.register(
        make_plugin("lazy", register_environments=lambda register: register("x:Y")), name="lazy"
    )
    assert record.status == "failed" and "needs name=" in record.error


def test_every_hook_is_documented_and_dispatched():
    """Meta-test (as datasette does): each hookspec has a docstring and the loader routes it."""
    from hermes_core.plugins import _BUILTIN_TARGETS, _NOT_REGISTRIES

    for name in hookspecs.ALL_HOOKS:
        assert getattr(hookspecs, name).__doc__.strip(), name
        if not name.startswith("register_"):
            continue  # lifecycle hooks are called by the agent loop, not routed by the loader
        assert name in _BUILTIN_TARGETS or name in _NOT_REGISTRIES, name


def test_register_commands_failure_is_recorded_not_raised():
    import click

    def bad(cli):
        raise RuntimeError("no commands today")

    host = Hermes()
    host.register(make_plugin("cmd", register_commands=bad), name="cmd")
    host.add_commands(click.Group())
    assert host.records["cmd"].status == "failed" and "no commands today" in host.records["cmd"].error


def test_toolsets_from_plugins_compose(host):
    host.register(
        make_plugin(
            "sets",
            register_tools=lambda register: [register(echo_tool("a")), register(echo_tool("b"))],
            register_toolsets=lambda register: [
                register(Toolset(name="one", tools=["a"])),
                register(Toolset(name="both", tools=["b"], includes=["one"], optional_includes=["missing"])),
            ],
        ),
        name="sets",
    )
    assert host.toolsets.resolve("both") == ["b", "a"]
    assert host.tools.openai_tools(host.toolsets.resolve("both"))[0]["function"]["name"] == "b"


def test_a_plugin_calling_sys_exit_fails_alone(fake_entry_points):
    fake_entry_points("exits_on_import", "import sys\nsys.exit('needs config')\n")
    fake_entry_points("good_plugin", GOOD)
    host = Hermes()
    host.load_entry_points()
    assert host.records["exits_on_import"].status == "failed"
    assert host.records["exits_on_import"].error == "SystemExit: needs config"
    assert host.records["good_plugin"].status == "ok"


def test_two_entry_points_for_one_module_keep_the_first_working(fake_entry_points, monkeypatch):
    fake_entry_points("good_plugin", GOOD)
    points = metadata.entry_points()
    monkeypatch.setattr(
        metadata,
        "entry_points",
        lambda group=None, **_: [
            *points,
            metadata.EntryPoint(name="zz_again", value="good_plugin", group="hermes"),
        ],
    )
    host = Hermes()
    host.load_entry_points()
    assert host.records["good_plugin"].status == "ok"
    assert host.records["zz_again"].status == "failed"
    assert "already loaded as plugin 'good_plugin'" in host.records["zz_again"].error
    assert host.tools.handle_function_call("good_tool", {}) == '{"ok": true}'


def test_registering_the_wrong_kind_of_item_fails_that_plugin():
    host = Hermes()
    record = host.register(
        make_plugin("confused", register_tools=lambda register: register(Toolset(name="oops"))),
        name="confused",
    )
    assert record.status == "failed"
    assert record.error == "HermesError: register_tools expects a Tool, got Toolset"
    assert host.tools.names() == []


def test_plugins_list_shows_every_hook_a_plugin_implements(run_hooks_host):
    plugin = make_plugin(
        "hooks",
        register_tools=lambda register: register(echo_tool()),
        on_run_start=lambda run: None,
        pre_tool_call=lambda run, tool_name, arguments, call_id: None,
    )
    record = run_hooks_host.register(plugin, name="hooks")
    assert record.status == "ok", record.error
    assert record.hooks == ["on_run_start", "pre_tool_call", "register_tools"]
