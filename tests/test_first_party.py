"""Every distribution of this repository is on the core's first-party list, so none can be forgotten.

First-party names win a clash (issue 15.4): a third-party plugin cannot take ``terminal`` or ``qwen``
from the plugin that ships it. The list is by distribution name — a name on PyPI cannot be faked by
another project — so it must grow with the repository; this test fails the day it does not.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from hermes_core.first_party import PROVIDES, install_hint, provider
from hermes_core.plugins import CORE_PLUGIN, FIRST_PARTY, get_hermes

REPO = Path(__file__).resolve().parent.parent


def test_every_repository_distribution_is_first_party():
    pyprojects = [*REPO.glob("*/pyproject.toml"), *REPO.glob("plugins/*/pyproject.toml")]
    names = {tomllib.loads(p.read_text())["project"]["name"] for p in pyprojects}
    assert names, "no distributions found"
    assert sorted(names - FIRST_PARTY) == []
    assert (
        CORE_PLUGIN not in FIRST_PARTY
        and tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["name"] == CORE_PLUGIN
    )


def installed_first_party():
    from hermes_core.cli import cli

    cli.add_plugin_commands()  # records name the commands their plugin adds once the CLI has asked
    return {name: r for name, r in get_hermes().records.items() if name in FIRST_PARTY and r.status == "ok"}


def test_every_catalogued_distribution_is_first_party():
    assert set(PROVIDES) <= FIRST_PARTY


@pytest.mark.parametrize(
    "kind", ["parsers", "reasoning_parsers", "backends", "environments", "commands", "tools", "toolsets"]
)
def test_the_catalog_names_what_each_installed_first_party_plugin_registers(kind):
    records = installed_first_party()
    if not records:
        pytest.skip("no first-party plugin installed")
    registry = get_hermes().registry(kind)
    for name, record in records.items():
        items = record.provides.get(kind, ())
        aliases = {a for item in items for a in registry.entry(item).aliases} if kind != "commands" else set()
        registered = {*items, *aliases}
        catalogued = set(PROVIDES.get(name, {}).get(kind, ()))
        assert registered == catalogued, f"{name}: registers {sorted(registered)} as {kind}"
        assert all(provider(kind, item) == name for item in registered)


def test_hints_say_what_to_install_or_enable():
    assert install_hint("commands", "run") == "it comes with hermes-agent-loop: pip install hermes-agent-loop"
    assert install_hint("commands", "no-such-command") == ""

    class Disabled:
        status = "disabled"

    hint = install_hint("backends", "local", {"hermes-tools-terminal": Disabled()})
    assert hint.endswith("which is disabled: hermes plugins enable hermes-tools-terminal")


def test_a_missing_command_names_its_distribution():
    if "hermes-agent-loop" not in installed_first_party():
        pytest.skip("hermes-agent-loop is not installed")
    done = subprocess.run(
        [sys.executable, "-m", "hermes_core", "run", "hi"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "HERMES_DISABLE_PLUGINS": "hermes-agent-loop"},
    )
    assert done.returncode == 2
    assert "it comes with hermes-agent-loop, which is disabled: hermes plugins enable hermes-agent-loop" in (
        done.stderr
    )


def test_a_disabled_plugins_parser_is_called_disabled_not_unknown():
    from hermes_core.plugins import Hermes, PluginRecord
    from hermes_core.registry import UnknownName

    host = Hermes()
    host.records["hermes-parser-qwen"] = PluginRecord(name="hermes-parser-qwen", status="disabled")
    with pytest.raises(UnknownName) as raised:
        host.parsers.get("qwen3_coder")
    message = str(raised.value)
    assert message.startswith("unknown tool-call parser 'qwen3_coder'; it comes with hermes-parser-qwen")
    assert "which is disabled: hermes plugins enable hermes-parser-qwen; installed: none" in message
