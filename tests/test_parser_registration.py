"""Parser plugins register one way: ``register(ParserClass)``, the names only on the class, the classes
imported inside the hook, which the loader runs at the parser registry's first read (issue 18.4)."""

from __future__ import annotations

import ast
import subprocess
import sys
import threading
import types
from importlib import metadata
from pathlib import Path

import pytest

from hermes_core import Tool, hookimpl
from hermes_core.parsing import ParsedCompletion, ToolCallParser
from hermes_core.plugins import Hermes, get_hermes

REPO = Path(__file__).resolve().parent.parent
PLUGIN_INITS = sorted(
    [
        *REPO.glob("plugins/hermes-parser-*/hermes_parser_*/__init__.py"),
        REPO / "hermes_parsers/hermes_parsers/__init__.py",
        REPO / "plugins/hermes-reasoning-parsers/hermes_reasoning_parsers/__init__.py",
    ]
)


class FormatA(ToolCallParser):
    name = "format_a"
    aliases = ("a_alias",)

    def extract(self, text):
        return ParsedCompletion(content=text)


class FormatB(FormatA):
    name = "format_b"
    aliases = ()


def plugin(name: str, **hooks) -> types.ModuleType:
    module = types.ModuleType(name)
    for hook_name, function in hooks.items():
        function.__name__ = hook_name
        setattr(module, hook_name, hookimpl(function))
    return module


def loaded(monkeypatch, *plugins: types.ModuleType) -> Hermes:
    """A host that loads ``plugins`` as installed entry points, in that order."""
    points = []
    for module in plugins:
        monkeypatch.setitem(sys.modules, module.__name__, module)
        points.append(metadata.EntryPoint(name=module.__name__, value=module.__name__, group="hermes"))
    monkeypatch.setattr(metadata, "entry_points", lambda group=None, **_: points)
    host = Hermes()
    host.load_entry_points()
    return host


def test_every_installed_parser_is_registered_under_its_own_class_names():
    host = get_hermes()
    registries = (host.parsers, host.reasoning_parsers)
    entries = [entry for registry in registries for entry in registry.entries()]
    if not entries:
        pytest.skip("no parser plugin installed")
    for entry in entries:
        cls = entry.load()
        assert (entry.name, entry.aliases) == (cls.name, tuple(cls.aliases)), f"{entry.plugin}: {cls}"


@pytest.mark.parametrize(
    "registration",
    [
        lambda register: register(FormatA, name="renamed"),
        lambda register: register(FormatA, aliases=("extra",)),
        lambda register: register(f"{__name__}:FormatA", name="format_a"),
    ],
    ids=["name", "aliases", "lazy-string"],
)
def test_a_parser_registered_under_names_not_its_class_own_fails_its_plugin(registration):
    host = Hermes()
    record = host.register(plugin("renamer", register_tool_call_parsers=registration), name="renamer")
    assert record.status == "failed" and "register(ParserClass) alone" in record.error
    assert host.parsers.names() == []


@pytest.mark.parametrize("path", PLUGIN_INITS, ids=lambda p: p.parent.name)
def test_every_parser_plugin_registers_the_same_few_lines(path):
    """Module: docstring, imports, one hook. Hook: imports, then ``register(Class)`` calls (or a loop
    over a tuple of classes). No ``__getattr__`` re-exports, no class defined in the plugin module."""
    tree = ast.parse(path.read_text())
    body = [n for n in tree.body if not (isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant))]
    hooks = [n for n in body if isinstance(n, ast.FunctionDef)]
    assert all(isinstance(n, ast.ImportFrom) for n in body if n not in hooks), ast.dump(body[-1])
    assert [h.name for h in hooks] in (["register_tool_call_parsers"], ["register_reasoning_parsers"])
    statements = hooks[0].body
    imports = [s for s in statements if isinstance(s, ast.ImportFrom)]
    assert imports and statements[: len(imports)] == imports  # the classes are imported in the hook
    for statement in statements[len(imports) :]:
        call = statement.body[0].value if isinstance(statement, ast.For) else statement.value
        assert isinstance(call, ast.Call) and ast.unparse(call.func) == "register" and not call.keywords
        assert len(call.args) == 1, ast.unparse(statement)


def test_loading_imports_no_parser_module_and_one_name_only_its_plugins():
    code = (
        "import sys\n"
        "from hermes_core.plugins import get_hermes\n"
        "host = get_hermes()\n"
        "def parser_modules():\n"
        "    prefixes = ('hermes_parser_', 'hermes_parsers.', 'hermes_reasoning_parsers.')\n"
        "    return sorted({m.split('.')[0] for m in sys.modules if m.startswith(prefixes) and '.' in m})\n"
        "print(parser_modules())\n"
        "print('qwen2_5' in host.parsers, parser_modules())\n"
        "print(len(host.parsers.names()), len(parser_modules()))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    at_load, one_name, every_name = done.stdout.splitlines()[:3]
    assert at_load == "[]"
    if one_name.startswith("True"):  # hermes-parser-qwen installed: its modules alone were imported
        assert one_name == "True ['hermes_parser_qwen']"
    parsers, packages = map(int, every_name.split())
    assert packages > 0 or parsers == 0


def test_a_parser_hook_that_raises_fails_its_plugin_at_first_read_and_undoes_it_all(monkeypatch):
    def broken(register):
        raise RuntimeError("no such module")

    mixed = plugin(
        "mixed_plugin",
        register_tools=lambda register: register(Tool(name="mixed_tool", description="d", handler=dict)),
        register_tool_call_parsers=broken,
    )
    host = loaded(monkeypatch, mixed)
    assert "mixed_tool" in host.tools  # the tools are there at once; the parser hook has not run
    assert host.parsers.names() == []  # the first read runs it
    record = host.records["mixed_plugin"]
    assert record.status == "failed" and "no such module" in record.error
    assert "mixed_tool" not in host.tools and record.provides == {}


def test_records_list_what_deferred_hooks_register_without_a_read_first(monkeypatch):
    host = loaded(monkeypatch, plugin("fmt_a", register_tool_call_parsers=lambda register: register(FormatA)))
    assert host.records["fmt_a"].provides == {"parsers": ["format_a"]}


def test_the_plugin_loaded_first_keeps_a_contested_name(monkeypatch):
    clash = type("Clash", (FormatB,), {"name": "other", "aliases": ("a_alias",)})
    first = plugin("first_one", register_tool_call_parsers=lambda register: register(FormatA))
    second = plugin("second_one", register_tool_call_parsers=lambda register: register(clash))
    host = loaded(monkeypatch, first, second)
    assert host.parsers.get("a_alias") is FormatA
    assert host.records["second_one"].status == "failed" and "'first_one'" in host.records["second_one"].error


def test_a_plugin_registered_by_hand_after_loading_comes_after_the_deferred_ones(monkeypatch):
    clash = type("Clash", (FormatB,), {"name": "other", "aliases": ("a_alias",)})
    host = loaded(
        monkeypatch, plugin("first_one", register_tool_call_parsers=lambda register: register(FormatA))
    )
    late = host.register(plugin("late", register_tool_call_parsers=lambda register: register(clash)), "late")
    assert late.status == "failed" and "'first_one'" in late.error
    assert host.parsers.get("a_alias") is FormatA


def test_a_reader_waits_for_a_fill_in_progress_in_another_thread(monkeypatch):
    entered, release = threading.Event(), threading.Event()

    def slow(register):
        entered.set()
        release.wait(30)
        register(FormatA)

    def fast(register):
        register(FormatB)

    host = loaded(
        monkeypatch,
        plugin("slow_fmt", register_tool_call_parsers=slow),
        plugin("fast_fmt", register_tool_call_parsers=fast),
    )
    seen: dict[str, list[str]] = {}
    first = threading.Thread(target=lambda: seen.setdefault("first", host.parsers.names()))
    second = threading.Thread(target=lambda: seen.setdefault("second", host.parsers.names()))
    first.start()
    assert entered.wait(30)
    second.start()
    second.join(0.2)
    assert second.is_alive()  # blocked until the fill is done, not reading half a registry
    release.set()
    first.join(30)
    second.join(30)
    assert seen == {"first": ["format_a", "format_b"], "second": ["format_a", "format_b"]}
