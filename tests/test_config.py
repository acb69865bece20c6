"""Configuration: precedence, validation against installed plugins, secrets kept out of sight."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys

import pytest
from click.testing import CliRunner

from hermes_core import config as cfg
from hermes_core import config_files
from hermes_core.cli import cli
from hermes_core.hookspecs import hookimpl
from hermes_core.plugins import Hermes, set_hermes
from hermes_core.registry import HermesError
from hermes_core.settings import Setting
from hermes_core.terminal import TerminalBackend

SECRET = "sk-test-0123456789abcdefghijklmnop"


class ModalSettings:
    """A plugin declaring settings, as the modal backend does."""

    @hookimpl
    def register_settings(self, register):
        register(
            Setting(
                "terminal.modal.mode",
                env="TERMINAL_MODAL_MODE",
                default="sandbox",
                choices=("sandbox", "pool"),
            )
        )
        register(Setting("terminal.modal.pool_max", int, env="TERMINAL_MODAL_POOL_MAX", default=4, minimum=1))


@pytest.fixture
def home(tmp_path, monkeypatch):
    """A private HERMES_HOME, no configuration variables inherited, os.environ restored afterwards, and a
    host holding the core and a settings plugin (no installed plugin is loaded)."""
    import hermes_core.plugins as plugins
    from hermes_core import builtin

    previous = plugins._host
    fresh = Hermes()
    fresh.register(builtin, name="hermes-kernel")
    fresh.register(ModalSettings(), name="modal-settings")
    set_hermes(fresh)
    saved = dict(os.environ)
    monkeypatch.setenv("HERMES_HOME", str(tmp_path))
    for key in cfg.settings_keys():
        for name in cfg.env_names(key):
            monkeypatch.delenv(name, raising=False)
    yield tmp_path
    os.environ.clear()
    os.environ.update(saved)
    set_hermes(previous)


class FakeBackend(TerminalBackend):
    name = "fake"

    def create(self, task_id, **kwargs):  # pragma: no cover - never started here
        raise NotImplementedError


class BackendPlugin:
    @hookimpl
    def register_terminal_backends(self, register):
        register(FakeBackend)


def plugins_host() -> Hermes:
    from hermes_core.plugins import get_hermes

    return get_hermes()


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=True)


def test_defaults_without_any_file(home):
    assert cfg.get_value("terminal.backend") == "local"
    assert cfg.get_value("terminal.timeout") == 180.0
    assert cfg.get_value("model.base_url") is None
    assert cfg.get_value("toolsets") == ["default"]
    assert cfg.get_value("terminal.modal") == {"mode": "sandbox", "pool_max": 4}
    assert cfg.lookup("terminal.pool_max") == (0, "default")


def test_precedence_flag_env_dotenv_file_default(home, monkeypatch):
    key = "model.base_url"
    assert cfg.lookup(key) == (None, "default")
    (home / "config.yaml").write_text("model:\n  base_url: http://file/v1\n")
    assert cfg.lookup(key) == ("http://file/v1", "config.yaml")
    (home / ".env").write_text("OPENAI_BASE_URL=http://dotenv/v1\n")
    assert cfg.lookup(key) == ("http://dotenv/v1", ".env OPENAI_BASE_URL")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://env/v1")
    assert cfg.lookup(key) == ("http://env/v1", "env OPENAI_BASE_URL")
    assert cfg.resolve(key, "http://flag/v1") == "http://flag/v1"
    assert cfg.resolve(key, None) == "http://env/v1"


@pytest.mark.parametrize(
    ("variable", "key", "text", "expected"),
    [
        ("TERMINAL_ENV", "terminal.backend", "modal", "modal"),
        ("TERMINAL_TIMEOUT", "terminal.timeout", "42", 42.0),
        ("TERMINAL_CWD", "terminal.cwd", "/work", "/work"),
        ("TERMINAL_MODAL_MODE", "terminal.modal.mode", "pool", "pool"),
        ("TERMINAL_MODAL_POOL_MAX", "terminal.modal.pool_max", "8", 8),
        ("HERMES_MODEL", "model.name", "qwen3", "qwen3"),
        ("OPENAI_API_KEY", "model.api_key", SECRET, SECRET),
        ("HERMES_MODEL_MAX_TOKENS", "model.max_tokens", "7", 7),
        ("HERMES_TOOLSETS", "toolsets", "terminal, web", ["terminal", "web"]),
    ],
)
def test_hermes_agent_environment_variables(home, monkeypatch, variable, key, text, expected):
    (home / "config.yaml").write_text("terminal:\n  backend: local\n  timeout: 5\n")
    monkeypatch.setenv(variable, text)
    assert cfg.get_value(key) == expected


def test_bad_environment_value_names_the_variable(home, monkeypatch):
    monkeypatch.setenv("TERMINAL_MODAL_MODE", "cluster")
    with pytest.raises(HermesError, match="TERMINAL_MODAL_MODE.*'sandbox' or 'pool'"):
        cfg.get_value("terminal.modal.mode")
    # one bad key does not break the others
    assert cfg.get_value("terminal.backend") == "local"


def test_set_value_validates_and_persists(home):
    cfg.settings_keys()
    host = plugins_host()
    host.register(BackendPlugin(), name="hermes-backend-fake")
    assert cfg.set_value("terminal.timeout", "60") == 60.0
    assert cfg.set_value("terminal.backend", "fake") == "fake"
    assert cfg.set_value("toolsets", "a,b", check_plugins=False) == ["a", "b"]
    text = (home / "config.yaml").read_text()
    assert "timeout: 60.0" in text and "backend: fake" in text
    assert cfg.read_file()["toolsets"] == ["a", "b"]
    with pytest.raises(HermesError, match=r"unknown terminal backend 'nosuch'; installed: fake"):
        cfg.set_value("terminal.backend", "nosuch")
    with pytest.raises(HermesError, match=r"unknown terminal backend 'fak' \(did you mean fake\?\)"):
        cfg.set_value("terminal.backend", "fak")
    with pytest.raises(
        HermesError, match="it comes with hermes-backend-docker: pip install hermes-backend-docker"
    ):
        cfg.set_value("terminal.backend", "docker")  # first-party, not on this host: what to install
    with pytest.raises(HermesError, match="'sandbox' or 'pool'"):
        cfg.set_value("terminal.modal.mode", "cluster")
    with pytest.raises(HermesError, match="greater than 0"):
        cfg.set_value("terminal.timeout", "-1")
    with pytest.raises(HermesError, match="did you mean terminal.backend"):
        cfg.set_value("terminal.bakend", "local")
    assert cfg.get_value("terminal.backend") == "fake"  # refused values changed nothing


def test_cli_set_refuses_unknown_backend_with_choices(home):
    plugins_host().register(BackendPlugin(), name="hermes-backend-fake")
    result = invoke("config", "set", "terminal.backend", "nosuch")
    assert result.exit_code != 0
    assert "installed: fake" in str(result.exception)
    assert invoke("config", "set", "terminal.backend", "fake").exit_code == 0
    got = invoke("config", "get", "terminal.backend", "--source")
    assert got.output.strip() == "fake\t(config.yaml)"


def test_selected_backend_reads_config(home):
    from hermes_core.sandboxes import selected_backend_name

    plugins_host().register(BackendPlugin(), name="hermes-backend-fake")
    cfg.set_value("terminal.backend", "fake")
    assert selected_backend_name() == "fake"


def test_config_yaml_is_written_owner_only(home):
    """config.yaml may hold a URL with a password, so it is 0600 like .env (issue 22), even over a file
    and a leftover temporary file that were world-readable."""
    (home / "config.yaml").write_text("model:\n  name: m\n")
    os.chmod(home / "config.yaml", 0o644)
    (home / "config.yaml.tmp").write_text("")
    os.chmod(home / "config.yaml.tmp", 0o644)
    cfg.set_value("model.base_url", "https://user:s3cret-pass@example.test/v1")
    assert stat.S_IMODE((home / "config.yaml").stat().st_mode) == 0o600
    assert cfg.get_value("model.base_url") == "https://user:s3cret-pass@example.test/v1"
    assert cfg.get_value("model.name") == "m"


def test_secrets_go_to_dotenv_and_are_masked(home):
    result = invoke("config", "set", "model.api_key", SECRET)
    assert result.exit_code == 0, result.output
    assert SECRET not in result.output
    env_file = home / ".env"
    assert f"OPENAI_API_KEY={SECRET}" in env_file.read_text()
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    assert not (home / "config.yaml").exists() or SECRET not in (home / "config.yaml").read_text()
    assert cfg.get_value("model.api_key") == SECRET  # callers get the real key
    for args in (["config", "show"], ["config", "show", "--json"], ["config", "show", "--sources"]):
        shown = invoke(*args)
        assert shown.exit_code == 0
        assert SECRET not in shown.output and cfg.mask(SECRET) in shown.output
    assert invoke("config", "get", "model.api_key").output.strip() == cfg.mask(SECRET)
    assert SECRET not in invoke("config", "get", "model").output
    assert invoke("config", "get", "model.api_key", "--reveal").output.strip() == SECRET
    assert invoke("config", "unset", "model.api_key").exit_code == 0
    assert cfg.get_value("model.api_key") is None


def test_mask_secrets(home, monkeypatch):
    monkeypatch.setenv("FIRECRAWL_API_KEY", "fc-abcdefghijklmnop")
    monkeypatch.setenv("GITHUB_TOKEN", "tok-1234567890")
    monkeypatch.setenv("TERMINAL_ENV", "local")  # not a secret: stays readable
    (home / ".env").write_text("MODAL_TOKEN_SECRET=modal-secret-value-123\n")
    text = (
        "keys fc-abcdefghijklmnop tok-1234567890 modal-secret-value-123 sk-unknownkey0123456789abcd "
        "Authorization: Bearer abcdefghijklmnopqrstuvwx local extra-secret-99"
    )
    masked = cfg.mask_secrets(text, extra=["extra-secret-99"])
    for secret in ("fc-abcdefghijklmnop", "tok-1234567890", "modal-secret-value-123", "extra-secret-99"):
        assert secret not in masked
    assert "sk-unknownkey0123456789abcd" not in masked and "Bearer abc...uvwx" in masked
    assert "local" in masked and masked.startswith("keys ")
    assert cfg.mask_secrets(masked) == masked  # idempotent
    assert cfg.mask("short") == "****" and cfg.mask(SECRET) == "sk-...mnop"


def test_disabled_plugins_round_trip_and_cache(home):
    assert cfg.disabled_plugins() == set()
    assert cfg.set_plugin_disabled("hermes-parser-qwen", True)
    assert not cfg.set_plugin_disabled("hermes_parser_qwen", True)  # same plugin, normalised
    assert cfg.disabled_plugins() == {"hermes-parser-qwen"}
    assert (home / ".cache" / "disabled-plugins.json").exists()
    assert cfg.set_plugin_disabled("other", True)
    assert cfg.disabled_plugins() == {"hermes-parser-qwen", "other"}
    assert cfg.set_plugin_disabled("hermes-parser-qwen", False)
    assert cfg.disabled_plugins() == {"other"}
    # edited by hand: the stamp changes and the cache is not trusted
    (home / "config.yaml").write_text("plugins:\n  disabled: [a, b, c]\n# a comment that changes the size\n")
    assert cfg.disabled_plugins() == {"a", "b", "c"}
    (home / "config.yaml").write_text("plugins: [not, a, mapping]\n")
    assert cfg.disabled_plugins() == set()


def test_loading_the_host_exports_dotenv_without_overriding(home, monkeypatch):
    from hermes_core.plugins import _disabled_in_config

    (home / ".env").write_text("SOME_TOOL_API_KEY=from-dotenv\nHERMES_T_KEEP=from-dotenv\n")
    monkeypatch.setenv("HERMES_T_KEEP", "from-env")
    monkeypatch.delenv("SOME_TOOL_API_KEY", raising=False)
    _disabled_in_config()
    assert os.environ["SOME_TOOL_API_KEY"] == "from-dotenv"
    assert os.environ["HERMES_T_KEEP"] == "from-env"


def test_start_up_hook_stays_light(home):
    """``disabled_plugins`` runs on every CLI start: no YAML, dotenv or schema unless needed."""
    (home / "config.yaml").write_text("plugins:\n  disabled: [x]\n")
    code = (
        "import sys, hermes_core.config as c; first = c.disabled_plugins(); "
        "print(sorted(first), 'dotenv' in sys.modules, 'hermes_core.plugins' in sys.modules)"
    )
    env = {**os.environ, "HERMES_HOME": str(home)}
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert run.stdout.split() == ["['x']", "False", "False"]
    # a second process finds the cached answer and never imports yaml
    code2 = "import sys, hermes_core.config as c; print(sorted(c.disabled_plugins()), 'yaml' in sys.modules)"
    run = subprocess.run([sys.executable, "-c", code2], capture_output=True, text=True, env=env, check=True)
    assert run.stdout.split() == ["['x']", "False"]


def test_config_check_lists_every_problem(home):
    (home / "config.yaml").write_text(
        "terminal:\n  timeout: soon\n  bakend: modal\nmodel:\n  api_key: sk-in-the-wrong-file-000000\n"
    )
    problems = cfg.check(plugins=False)
    assert any("terminal.timeout" in p and "number" in p for p in problems)
    assert any("unknown key terminal.bakend (did you mean terminal.backend?)" in p for p in problems)
    assert any("model.api_key is a secret" in p for p in problems)
    result = invoke("config", "check", "--no-plugins")
    assert result.exit_code == 1
    (home / "config.yaml").write_text("terminal:\n  timeout: 5\n")
    assert cfg.check(plugins=False) == []
    assert invoke("config", "check", "--no-plugins").exit_code == 0


def test_invalid_yaml_is_one_line_error(home):
    (home / "config.yaml").write_text("model: [unclosed\n")
    with pytest.raises(HermesError, match="not valid YAML"):
        cfg.get_value("model.name")
    assert cfg.disabled_plugins() == set()  # the start-up hook never fails


def test_path_and_keys_commands(home):
    assert invoke("config", "path").output.strip() == str(home / "config.yaml")
    assert invoke("config", "path", "--env").output.strip() == str(home / ".env")
    listing = invoke("config", "keys").output
    assert "terminal.modal.pool_max" in listing and "TERMINAL_MODAL_POOL_MAX" in listing


def test_load_config_is_the_validated_model(home, monkeypatch):
    (home / "config.yaml").write_text("model:\n  max_tokens: 3\nunknown: 1\n")
    monkeypatch.setenv("TERMINAL_MODAL_MODE", "pool")
    settings = cfg.load_config()
    assert settings.model.max_tokens == 3 and settings.terminal.modal.mode == "pool"
    assert json.loads(invoke("config", "show", "--json").output)["model"]["max_tokens"] == 3


def test_unset_and_section_errors(home):
    cfg.set_value("terminal.cwd", "/srv")
    assert cfg.unset_value("terminal.cwd")
    assert not cfg.unset_value("terminal.cwd")
    assert cfg.read_file() == {}
    with pytest.raises(HermesError, match="section"):
        cfg.set_value("terminal", "x")


def test_the_real_environment_outranks_dotenv_even_after_it_is_exported(home, monkeypatch):
    from hermes_core.plugins import _disabled_in_config

    (home / ".env").write_text("TERMINAL_ENV=nosuch\n")
    monkeypatch.delenv("TERMINAL_ENV", raising=False)
    monkeypatch.setenv("HERMES_TERMINAL_BACKEND", "local")
    monkeypatch.setattr(config_files, "_exported_from_dotenv", set())
    _disabled_in_config()  # exports .env, as loading the host does
    assert os.environ["TERMINAL_ENV"] == "nosuch"
    assert cfg.lookup("terminal.backend") == ("local", "env HERMES_TERMINAL_BACKEND")
    monkeypatch.delenv("HERMES_TERMINAL_BACKEND")
    assert cfg.lookup("terminal.backend") == ("nosuch", ".env TERMINAL_ENV")


def test_disabling_plugins_through_the_environment_applies(home, monkeypatch):
    (home / "config.yaml").write_text("plugins:\n  disabled: [from-file]\n")
    assert cfg.disabled_plugins() == {"from-file"}
    monkeypatch.setenv("HERMES_PLUGINS_DISABLED", "hermes-tools-web, other")
    assert cfg.disabled_plugins() == {"hermes-tools-web", "other"}


def test_a_malformed_list_on_the_command_line_is_blamed_on_the_value(home):
    with pytest.raises(HermesError, match=r"^toolsets: '\[a,' is not a list"):
        cfg.set_value("toolsets", "[a,")


def test_a_config_file_that_is_not_utf8_is_named(home):
    (home / "config.yaml").write_bytes(b"model:\n  name: caf\xe9\n")
    with pytest.raises(HermesError, match=r"config\.yaml is not UTF-8 text \(byte 18\)"):
        cfg.get_value("model.name")


def test_enabling_the_last_disabled_plugin_leaves_no_empty_list(home):
    assert cfg.set_plugin_disabled("hermes-demo", True)
    assert "hermes-demo" in (home / "config.yaml").read_text()
    assert cfg.set_plugin_disabled("hermes-demo", False)
    assert "plugins" not in (home / "config.yaml").read_text()
