"""Plugin-declared settings: a key a plugin declares is set, typed, checked and shown like the core's."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from hermes_core import config as cfg
from hermes_core.cli import cli
from hermes_core.hookspecs import hookimpl
from hermes_core.plugins import Hermes, set_hermes
from hermes_core.registry import HermesError
from hermes_core.settings import Setting

POOL_SECRET = "pool-token-0123456789abcdef"


class PoolPlugin:
    """Declares settings the way a backend plugin does."""

    @hookimpl
    def register_settings(self, register):
        register(
            Setting("terminal.pool.max", int, env="TERMINAL_POOL_MAX", default=0, minimum=0, help="Pool.")
        )
        register(Setting("terminal.pool.mode", env="POOL_MODE", default="warm", choices=("warm", "cold")))
        register(Setting("terminal.pool.verbose", bool, default=False))
        register(Setting("terminal.pool.token", env="POOL_TOKEN", secret=True, help="Pool service token."))


@pytest.fixture
def home(tmp_path, monkeypatch):
    import hermes_core.plugins as plugins
    from hermes_core import builtin

    previous = plugins._host
    host = Hermes()
    host.register(builtin, name="hermes-kernel")
    assert host.register(PoolPlugin(), name="pool-plugin").status == "ok"
    set_hermes(host)
    monkeypatch.setenv("HERMES_HOME", str(tmp_path))
    for name in (
        "TERMINAL_POOL_MAX",
        "POOL_MODE",
        "POOL_TOKEN",
        "OPENAI_BASE_URL",
        "HERMES_TERMINAL_POOL_MAX",
    ):
        monkeypatch.delenv(name, raising=False)
    yield tmp_path
    set_hermes(previous)


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=True)


def test_a_plugin_setting_resolves_with_the_one_precedence(home, monkeypatch):
    assert cfg.resolve("terminal.pool.max") == 0
    (home / "config.yaml").write_text("terminal:\n  pool:\n    max: 3\n")
    assert cfg.lookup("terminal.pool.max") == (3, "config.yaml")
    (home / ".env").write_text("TERMINAL_POOL_MAX=5\n")
    assert cfg.lookup("terminal.pool.max") == (5, ".env TERMINAL_POOL_MAX")
    monkeypatch.setenv("HERMES_TERMINAL_POOL_MAX", "6")
    assert cfg.lookup("terminal.pool.max") == (6, "env HERMES_TERMINAL_POOL_MAX")
    monkeypatch.setenv("TERMINAL_POOL_MAX", "7")
    assert cfg.resolve("terminal.pool.max") == 7  # typed: an int, not "7"
    assert cfg.resolve("terminal.pool.max", "9") == 9  # a flag wins, typed too


def test_a_bad_value_is_one_line_naming_the_variable_and_type(home, monkeypatch):
    monkeypatch.setenv("TERMINAL_POOL_MAX", "abc")
    with pytest.raises(HermesError) as caught:
        cfg.resolve("terminal.pool.max")
    message = str(caught.value)
    assert "TERMINAL_POOL_MAX" in message and "an integer" in message and "\n" not in message
    assert not isinstance(caught.value, ValueError)
    monkeypatch.setenv("TERMINAL_POOL_MAX", "-1")
    with pytest.raises(HermesError, match="TERMINAL_POOL_MAX.*at least 0"):
        cfg.resolve("terminal.pool.max")
    monkeypatch.setenv("POOL_MODE", "lukewarm")
    with pytest.raises(HermesError, match="POOL_MODE.*'warm' or 'cold'"):
        cfg.resolve("terminal.pool.mode")
    result = invoke("config", "get", "terminal.pool.max")
    assert result.exit_code != 0 and "TERMINAL_POOL_MAX" in str(result.exception)


@pytest.mark.parametrize(
    ("setting", "text", "expected"),
    [
        (Setting("a.b", bool), "yes", True),
        (Setting("a.b", bool), "0", False),
        (Setting("a.b", float), "1.5", 1.5),
        (Setting("a.b", int), "12", 12),
        (Setting("a.b", list), "x, y", ["x", "y"]),
        (Setting("a.b", list), "[x, 'y']", ["x", "y"]),
        (Setting("a.b", list), '["x", "y"]', ["x", "y"]),
    ],
)
def test_values_are_converted_by_type(setting, text, expected):
    assert setting.convert(text, "test") == expected


@pytest.mark.parametrize(
    ("setting", "value", "words"),
    [
        (Setting("a.b", bool), "maybe", "true or false"),
        (Setting("a.b", int), 1.5, "an integer"),
        (Setting("a.b", int), True, "an integer"),
        (Setting("a.b", float), "nan", "a number"),
        (Setting("a.b", float), {"x": 1}, "a number"),
        (Setting("a.b", list), [{"x": 1}], "a list"),
    ],
)
def test_wrong_types_are_refused_with_the_expected_type(setting, value, words):
    with pytest.raises(HermesError, match=f"a.b = .* \\(somewhere\\): expected {words}"):
        setting.convert(value, "somewhere")


def test_declarations_are_checked_when_made():
    with pytest.raises(HermesError, match="dotted lowercase"):
        Setting("Bad Key")
    with pytest.raises(HermesError, match="secret must be of type str"):
        Setting("a.b", int, secret=True)
    with pytest.raises(HermesError, match="expected an integer"):
        Setting("a.b", int, default="many")


def test_a_plugin_declaring_a_bad_setting_fails_alone():
    class Bad:
        @hookimpl
        def register_settings(self, register):
            register({"key": "not.a.setting"})

    class Clash:
        @hookimpl
        def register_settings(self, register):
            register(Setting("terminal.timeout", float))

    from hermes_core import builtin

    host = Hermes()
    host.register(builtin, name="hermes-kernel")
    bad = host.register(Bad(), name="bad")
    assert bad.status == "failed" and "register_settings expects a Setting" in bad.error
    clash = host.register(Clash(), name="clash")
    assert clash.status == "failed" and "'hermes-kernel'" in clash.error and "'clash'" in clash.error
    assert host.settings.entry("terminal.timeout").plugin == "hermes-kernel"


def test_config_set_validates_by_the_declaration_and_secrets_go_to_dotenv(home):
    assert invoke("config", "set", "terminal.pool.max", "4").exit_code == 0
    assert "max: 4" in (home / "config.yaml").read_text()
    refused = invoke("config", "set", "terminal.pool.max", "four")
    assert refused.exit_code != 0 and "expected an integer" in str(refused.exception)
    assert cfg.get_value("terminal.pool.max") == 4  # the refused value changed nothing
    assert invoke("config", "set", "terminal.pool.token", POOL_SECRET).exit_code == 0
    assert f"POOL_TOKEN={POOL_SECRET}" in (home / ".env").read_text()
    assert POOL_SECRET not in (home / "config.yaml").read_text()
    assert cfg.resolve("terminal.pool.token") == POOL_SECRET


def test_config_show_lists_every_declared_key_with_its_source_secrets_masked(home, monkeypatch):
    cfg.set_value("terminal.pool.token", POOL_SECRET)
    cfg.set_value("terminal.pool.mode", "cold")
    monkeypatch.setenv("TERMINAL_POOL_MAX", "2")
    shown = invoke("config", "show", "--sources")
    assert shown.exit_code == 0, shown.output
    lines = {line.split()[0]: line.split()[1:] for line in shown.output.splitlines()}  # key, source, value
    assert set(lines) == set(cfg.settings_keys())  # every declared key, the core's and the plugin's
    assert lines["terminal.pool.max"] == ["env", "TERMINAL_POOL_MAX", "2"]
    assert lines["terminal.pool.mode"] == ["config.yaml", "cold"]
    assert lines["terminal.pool.verbose"] == ["default", "false"]
    defaults = [line for line in shown.output.splitlines() if "default" in line]
    value_columns = {len(line) - len(line.split()[-1]) for line in defaults}
    assert len(value_columns) == 1, "values start in one column, however long the one before"
    plain = {line.split()[0]: line.split()[1:] for line in invoke("config", "show").output.splitlines()}
    assert plain["terminal.pool.max"] == ["2"]  # the source column only with --sources
    assert lines["terminal.pool.token"][:2] == [".env", "POOL_TOKEN"]
    as_json = json.loads(invoke("config", "show", "--json", "--sources").output)
    assert as_json["terminal.pool.max"] == {"value": 2, "source": "env TERMINAL_POOL_MAX"}
    for args in (["config", "show"], ["config", "show", "--json"], ["config", "show", "--json", "--sources"]):
        assert POOL_SECRET not in invoke(*args).output
    assert "terminal.pool.max" in invoke("config", "keys").output


def test_config_show_reports_a_bad_value_instead_of_failing(home, monkeypatch):
    monkeypatch.setenv("TERMINAL_POOL_MAX", "abc")
    shown = invoke("config", "show")
    assert shown.exit_code == 0
    assert "error: terminal.pool.max = 'abc' (env TERMINAL_POOL_MAX): expected an integer" in shown.output


def test_unknown_keys_in_the_file_are_reported_against_the_declarations(home):
    (home / "config.yaml").write_text("terminal:\n  pool:\n    mx: 3\n")
    assert any("unknown key terminal.pool.mx (did you mean terminal.pool.max?)" in p for p in cfg.check())


def run_python(code: str, home) -> subprocess.CompletedProcess:
    env = {**os.environ, "HERMES_HOME": str(home)}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)


def test_without_pyyaml_a_config_file_is_a_one_line_error_and_plugins_still_load(tmp_path):
    (tmp_path / "config.yaml").write_text("model:\n  name: x\n")
    code = (
        "import sys; sys.modules['yaml'] = None\n"  # as if PyYAML were not installed
        "from hermes_core import config\n"
        "from hermes_core.plugins import get_hermes\n"
        "host = get_hermes()\n"
        "print(host.records['hermes-kernel'].status, len(host.settings.names()) > 0)\n"
        "try:\n    config.get_value('model.name')\n"
        "except Exception as exc:\n    print(type(exc).__name__, exc)\n"
    )
    done = run_python(code, tmp_path)
    first, second = done.stdout.splitlines()
    assert first == "ok True"
    assert second.startswith("HermesError ") and "pip install 'hermes-kernel[yaml]'" in second


def test_config_needs_no_pydantic(tmp_path):
    code = (
        "import sys; sys.modules['pydantic'] = None\n"
        "from hermes_core import config\n"
        "print(config.resolve('terminal.timeout'), config.resolve('toolsets'))\n"
    )
    done = run_python(code, tmp_path)
    assert done.stdout.strip() == "180.0 ['default']", done.stderr


def test_a_key_cannot_also_be_a_section():
    class Leaf:
        @hookimpl
        def register_settings(self, register):
            register(Setting("terminal.timeout.soft", float))

    class Both:
        @hookimpl
        def register_settings(self, register):
            register(Setting("acme.mode"))
            register(Setting("acme.mode.fast", bool))

    from hermes_core import builtin

    host = Hermes()
    host.register(builtin, name="hermes-kernel")
    leaf = host.register(Leaf(), name="leaf")
    assert (
        leaf.status == "failed"
        and "inside 'terminal.timeout'" in leaf.error
        and "'hermes-kernel'" in leaf.error
    )
    both = host.register(Both(), name="both")
    assert both.status == "failed" and "'acme.mode'" in both.error and "also a section" in both.error
    assert "acme.mode" not in host.settings
