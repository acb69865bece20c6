"""Plugins declare hooks for each other (pytest's ``addhooks``) and get registries like the core's."""

from __future__ import annotations

import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

from hermes_core.plugins import Hermes

SPECS = """
from hermes_core.hookspecs import hookspec

@hookspec
def register_widgets(register):
    '''Register widgets.'''

register_widgets.kind = "widget"
"""
DECLARES = """
from hermes_core import hookimpl

@hookimpl
def register_hookspecs(register):
    import zz_widget_specs
    register(zz_widget_specs)

@hookimpl
def register_widgets(register):
    register("zz_widget_impl:Dial", name="dial")
"""
EARLIER_IMPLEMENTER = """
from hermes_core import hookimpl

class Knob:
    name = "knob"
    '''A knob.'''

@hookimpl
def register_widgets(register):
    register(Knob)
"""
CLASHES = """
from hermes_core import hookimpl

@hookimpl
def register_widgets(register):
    register("zz_widget_impl:Dial", name="dial")
"""
TYPO = """
from hermes_core import hookimpl

@hookimpl
def register_widgetz(register):
    pass
"""


@pytest.fixture
def entry_points(monkeypatch, tmp_path):
    monkeypatch.syspath_prepend(str(tmp_path))
    (tmp_path / "zz_widget_specs.py").write_text(SPECS)
    (tmp_path / "zz_widget_impl.py").write_text("class Dial:\n    name = 'dial'\n")
    points: list[metadata.EntryPoint] = []

    def add(name: str, source: str) -> None:
        (tmp_path / f"{name}.py").write_text(source)
        points.append(metadata.EntryPoint(name=name, value=name, group="hermes"))

    monkeypatch.setattr(metadata, "entry_points", lambda group=None, **_: list(points))
    yield add
    for name in [*(p.value for p in points), "zz_widget_specs", "zz_widget_impl"]:
        sys.modules.pop(name, None)


def test_a_declared_hook_gets_a_lazy_registry_and_earlier_plugins_may_implement_it(entry_points):
    entry_points("aa_knobs", EARLIER_IMPLEMENTER)  # sorts before the plugin that declares the hook
    entry_points("mm_widgets", DECLARES)
    host = Hermes()
    host.load_entry_points()
    assert host.records["aa_knobs"].status == "ok", host.records["aa_knobs"].error
    assert host.records["mm_widgets"].status == "ok", host.records["mm_widgets"].error
    widgets = host.registry("widgets")
    assert widgets is host.widgets and widgets.kind == "widget"
    assert widgets.names() == ["dial", "knob"]
    assert "zz_widget_impl" not in sys.modules  # lazy until used
    assert widgets.get("dial").__name__ == "Dial"
    assert host.records["aa_knobs"].provides == {"widgets": ["knob"]}
    assert "register_hookspecs" in host.records["mm_widgets"].hooks
    assert "register_widgets" in host.records["aa_knobs"].hooks


def test_a_clash_on_a_declared_registry_names_both_plugins(entry_points):
    entry_points("mm_widgets", DECLARES)
    entry_points("nn_clash", CLASHES)
    host = Hermes()
    host.load_entry_points()
    record = host.records["nn_clash"]
    assert record.status == "failed" and "widget 'dial'" in record.error
    assert "'mm_widgets'" in record.error and "'nn_clash'" in record.error
    assert host.widgets.entry("dial").plugin == "mm_widgets"


def test_a_hook_nobody_declares_fails_its_plugin_naming_the_known_ones(entry_points):
    entry_points("mm_widgets", DECLARES)
    entry_points("aa_typo", TYPO)
    host = Hermes()
    host.load_entry_points()
    record = host.records["aa_typo"]
    assert record.status == "failed" and "unknown hook 'register_widgetz'" in record.error
    assert "register_widgets" in record.error  # the plugin-declared hook is among the known ones
    assert host.records["mm_widgets"].status == "ok"


def test_without_the_declaring_plugin_the_registry_is_empty_and_implementers_fail(entry_points):
    entry_points("aa_knobs", EARLIER_IMPLEMENTER)
    host = Hermes()
    host.load_entry_points()
    assert host.records["aa_knobs"].status == "failed"
    assert "unknown hook 'register_widgets'" in host.records["aa_knobs"].error
    assert host.registry("widgets").names() == []
    assert host.registry("widgets").kind == "widget"


def test_declaring_a_hook_twice_fails_the_second_plugin(entry_points):
    entry_points("mm_widgets", DECLARES)
    entry_points("nn_again", DECLARES.replace('name="dial"', 'name="gauge"'))
    host = Hermes()
    host.load_entry_points()
    assert host.records["mm_widgets"].status == "ok"
    assert host.records["nn_again"].status == "failed"
    assert "register_hookspecs" in host.records["nn_again"].error


def test_web_search_providers_come_from_the_web_plugin():
    host = Hermes.from_entry_points()
    if host.records.get("hermes-tools-web", None) is None:
        pytest.skip("hermes-tools-web is not installed")
    assert host.records["hermes-tools-web"].status == "ok", host.records["hermes-tools-web"].error
    assert {"ddgs", "searxng"} <= set(host.registry("web_search_providers").names())
    assert host.registry("web_search_providers").kind == "web search provider"


def test_no_core_code_names_web_search():
    import hermes_core

    core = Path(hermes_core.__file__).parent
    # first_party.py only catalogs the names each first-party distribution registers, so that a missing
    # tool can name what to install; it imports and calls nothing of the web plugin
    catalog = core / "first_party.py"
    offenders = [
        str(path.relative_to(core))
        for path in core.rglob("*.py")
        if path != catalog and "web_search" in path.read_text(encoding="utf-8")
    ]
    assert offenders == []


def test_hermes_plugins_list_shows_the_declared_hooks():
    done = subprocess.run(
        [sys.executable, "-m", "hermes_core", "plugins", "list", "--verbose"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    if "hermes-tools-web" not in done.stdout:
        pytest.skip("hermes-tools-web is not installed")
    block = done.stdout.split("hermes-tools-web", 1)[1].split("\nhermes-", 1)[0]
    assert "register_hookspecs" in block and "register_web_search_providers" in block
