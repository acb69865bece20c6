"""Secrets never leave in clear: URL credentials, JSON-escaped keys, plugin secrets, doctor and config."""

from __future__ import annotations

import json
import os
import socket

import pytest
from click.testing import CliRunner

from hermes_core import config as cfg
from hermes_core.cli import cli
from hermes_core.hookspecs import hookimpl
from hermes_core.plugins import Hermes, set_hermes
from hermes_core.secrets import mask, mask_secrets, secret_values
from hermes_core.settings import Setting
from hermes_testkit.openai_server import ScriptedOpenAIServer

KEY = "sk-live-0123456789abcdefghijkl"
PLUGIN_SECRET = "plugin-secret-value-42424242"


class SecretPlugin:
    @hookimpl
    def register_settings(self, register):
        register(Setting("acme.token", env="ACME_CREDENTIAL", secret=True))


@pytest.fixture
def home(tmp_path, monkeypatch):
    import hermes_core.plugins as plugins
    from hermes_core import builtin

    previous = plugins._host
    host = Hermes()
    host.register(builtin, name="hermes-kernel")
    host.register(SecretPlugin(), name="acme")
    set_hermes(host)
    monkeypatch.setenv("HERMES_HOME", str(tmp_path))
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "HERMES_MODEL", "ACME_CREDENTIAL"):
        monkeypatch.delenv(name, raising=False)
    yield tmp_path
    set_hermes(previous)


@pytest.mark.parametrize(
    "text",
    [
        "GET https://user:hunter2-long-password@api.example.com/v1/models",
        "GET https://api.example.com/v1?key=AIzaSyD-abcdefghijklmnop&alt=json",
        "url=http://h.example/v1?api_key=zzzzzzzzzzzzzzzzzz",
        '{"base_url": "https://bob:p4ssw0rd-p4ssw0rd@host/v1"}',
    ],
)
def test_credentials_inside_urls_are_masked_whoever_they_belong_to(home, text):
    masked = mask_secrets(text)
    for secret in (
        "hunter2-long-password",
        "AIzaSyD-abcdefghijklmnop",
        "zzzzzzzzzzzzzzzzzz",
        "p4ssw0rd-p4ssw0rd",
    ):
        assert secret not in masked
    assert "example" in masked or "host" in masked  # the rest stays readable
    assert mask_secrets(masked) == masked
    if text.startswith("{"):
        assert json.loads(masked)  # still valid JSON


@pytest.mark.parametrize(
    "secret", ['quote"inside-the-key-123', "back\\slash-in-the-key-456", 'both\\"-k3y-0000000']
)
def test_keys_with_quotes_or_backslashes_are_masked_in_json_too(home, monkeypatch, secret):
    monkeypatch.setenv("SOME_SERVICE_API_KEY", secret)
    record = json.dumps({"messages": [{"content": f"the key is {secret}"}]})
    nested = json.dumps({"trajectory": record})  # escaped twice
    for text in (record, nested, f"plain {secret}"):
        masked = mask_secrets(text)
        assert secret not in masked and json.dumps(secret)[1:-1] not in masked
    assert json.loads(mask_secrets(record))["messages"][0]["content"].startswith("the key is ")
    assert json.loads(json.loads(mask_secrets(nested))["trajectory"])


def test_declared_plugin_secrets_are_known(home, monkeypatch):
    monkeypatch.setenv("ACME_CREDENTIAL", PLUGIN_SECRET)  # a name no *_API_KEY rule would catch
    assert PLUGIN_SECRET in secret_values()
    assert PLUGIN_SECRET not in mask_secrets(f"token {PLUGIN_SECRET} used")


def test_a_url_password_holding_at_signs_is_masked_whole(home):
    masked = mask_secrets("GET http://bob:p@ss-w0rd-middle-part@db.example/v1")
    assert "middle" not in masked and "db.example/v1" in masked


def test_the_mask_is_safe_inside_json():
    assert mask('ab"cdefghijklmnop\\') == "ab*...nop*"
    assert mask(KEY) == "sk-...ijkl"


def test_config_show_masks_credentials_in_a_base_url(home):
    cfg.set_value("model.base_url", f"https://user:{KEY}@api.example.com/v1")
    for args in (["config", "show"], ["config", "show", "--json"], ["config", "get", "model.base_url"]):
        output = CliRunner().invoke(cli, args).output
        assert KEY not in output and "api.example.com" in output


@pytest.fixture
def resolved_hosts(monkeypatch):
    """Every host name anything in this process resolves."""
    seen: list[str] = []
    real = socket.getaddrinfo

    def recording(host, *args, **kwargs):
        seen.append(str(host))
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", recording)
    return seen


def doctor_json(*args: str) -> tuple[int, dict]:
    result = CliRunner().invoke(cli, ["doctor", "--json", "--no-backend", *args])
    return result.exit_code, json.loads(result.output)


def test_doctor_sends_url_credentials_as_a_header_and_never_prints_them(home, monkeypatch, resolved_hosts):
    monkeypatch.setenv("HERMES_MODEL", "scripted-model")
    with ScriptedOpenAIServer() as server:
        host_part = server.base_url.split("://", 1)[1]
        monkeypatch.setenv("OPENAI_BASE_URL", f"http://user:{KEY}@{host_part}")
        code, report = doctor_json()
    text = json.dumps(report)
    assert KEY not in text
    endpoint = [f for f in report["findings"] if f["section"] == "endpoint"]
    assert endpoint[0]["status"] == "ok", endpoint
    assert all(KEY not in host and "user" not in host for host in resolved_hosts)


@pytest.mark.parametrize(
    "url",
    [
        "http://user:abc/def-{key}@api.invalid/v1",  # a '/' in the key: the host would be 'user'
        "http://user:ab#{key}@api.invalid/v1",  # a '#': everything after is a fragment
        "http://{key}.api.invalid/v1",  # the key pasted where the host goes
    ],
)
def test_doctor_never_resolves_a_host_built_from_credentials(home, monkeypatch, resolved_hosts, url):
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", url.format(key=KEY))
    code, report = doctor_json("--timeout", "1")
    endpoint = [f for f in report["findings"] if f["section"] == "endpoint"][0]
    assert code == 1 and endpoint["status"] == "fail"
    assert KEY not in json.dumps(report)
    assert resolved_hosts == []


def test_tools_call_masks_what_a_tool_prints(home, monkeypatch):
    from hermes_core import Tool
    from hermes_core.plugins import get_hermes

    monkeypatch.setenv("OPENAI_API_KEY", KEY)

    class EnvTool:
        @hookimpl
        def register_tools(self, register):
            register(
                Tool(
                    name="show_env",
                    description="d",
                    handler=lambda a, t: {"out": os.environ["OPENAI_API_KEY"]},
                )
            )

    get_hermes().register(EnvTool(), name="env-tool")
    result = CliRunner().invoke(cli, ["tools", "call", "show_env", "{}"])
    assert result.exit_code == 0, result.output
    assert KEY not in result.output and mask(KEY) in result.output


def test_an_error_line_quoting_a_url_masks_its_credentials(tmp_path):
    import subprocess
    import sys

    env = {
        **os.environ,
        "HERMES_HOME": str(tmp_path),
        "TERMINAL_TIMEOUT": f"http://user:{KEY}@host/v1",  # a bad value that the error line quotes
    }
    done = subprocess.run(
        [sys.executable, "-m", "hermes_core", "config", "get", "terminal.timeout"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 1 and "TERMINAL_TIMEOUT" in done.stderr and "a number" in done.stderr
    assert KEY not in done.stderr and done.stderr.count("\n") == 1
