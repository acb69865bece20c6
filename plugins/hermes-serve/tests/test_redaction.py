"""No credential leaves ``hermes serve``: not in /health, error bodies and events, logs, the start-up
banner, nor the recordings (the upstream URL's user-info, OPENAI_API_KEY, the server's own --api-key,
values of ~/.hermes/.env)."""

from __future__ import annotations

import io
import json
import logging
import sys

import httpx
import openai
from hermes_serve.config import ServeConfig
from serve_kit import USER, WEATHER_TOOLS, accumulate, serve_in_thread, serve_process

from hermes_testkit.ports import free_port

URL_PASSWORD = "Upstream-Pa55word-4242"
OPENAI_KEY = "sk-openaiKEY0123456789abcdefXYZ"
SERVER_KEY = "serve-own-key-0123456789abcdef"
DOTENV_TOKEN = "dotenv-token-value-0123456789"


def with_password(url: str) -> str:
    return url.replace("http://", f"http://admin:{URL_PASSWORD}@")


def test_health_and_errors_mask_the_upstream_password(upstream):
    dead = f"http://admin:{URL_PASSWORD}@127.0.0.1:{free_port()}/v1"
    server = serve_in_thread(ServeConfig(upstream=dead, parser="hermes", port=0))
    try:
        health = httpx.get(server.url + "/health")
        assert health.status_code == 200 and "admin:" in health.text and URL_PASSWORD not in health.text
        body = {"model": "m", "messages": USER, "tools": WEATHER_TOOLS}
        for stream in (False, True):
            response = httpx.post(server.url + "/v1/chat/completions", json={**body, "stream": stream})
            assert response.status_code == 502 and response.json()["error"]["code"] == "upstream_unreachable"
            assert URL_PASSWORD not in response.text
    finally:
        server.stop()


def test_timeout_body_and_banner_mask_the_upstream_password(upstream):
    upstream.responder = lambda body: __import__("serve_kit").answer("late", delay=3)
    port = free_port()
    command = [sys.executable, "-m", "hermes_core", "serve", "--upstream", with_password(upstream.base_url)]
    command += ["--parser", "hermes", "--port", str(port), "--upstream-timeout", "0.3"]
    process = serve_process(command, port)
    try:
        api = openai.OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key="x", max_retries=0)
        try:
            api.chat.completions.create(model="m", messages=USER)
            raise AssertionError("a 504 was expected")
        except openai.APIStatusError as exc:
            assert exc.status_code == 504 and URL_PASSWORD not in json.dumps(exc.body)
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=20)
    assert "hermes serve: http://127.0.0.1" in stderr and "admin:" in stderr  # the banner, masked
    assert URL_PASSWORD not in stderr


def test_recordings_hold_no_key(serve, upstream, tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    (home / ".env").write_text(f"UPSTREAM_SERVICE_TOKEN={DOTENV_TOKEN}\n")
    monkeypatch.setenv("HERMES_HOME", str(home))
    monkeypatch.setenv("OPENAI_API_KEY", OPENAI_KEY)
    # the upstream URL's password also as a bare word, as an agent that read a config file writes it
    said = f"keys: {OPENAI_KEY} {SERVER_KEY} {DOTENV_TOKEN} {with_password('http://host/v1')} {URL_PASSWORD}"
    upstream.responder = lambda body: __import__("serve_kit").answer(f"I repeat: {said}")
    server = serve(record_dir=tmp_path / "rec", api_key=SERVER_KEY, upstream=with_password(upstream.base_url))
    api = openai.OpenAI(base_url=server.url + "/v1", api_key=SERVER_KEY, max_retries=0)
    messages = [{"role": "user", "content": said}]
    api.chat.completions.create(model="m", messages=messages, tools=WEATHER_TOOLS)
    accumulate(api.chat.completions.create(model="m", messages=messages, tools=WEATHER_TOOLS, stream=True))
    (path,) = (tmp_path / "rec").glob("*.jsonl")
    text = path.read_text()
    assert len(text.splitlines()) == 2 and "I repeat: keys:" in text
    for secret in (OPENAI_KEY, SERVER_KEY, DOTENV_TOKEN, URL_PASSWORD):
        assert secret not in text, secret
    assert all(json.loads(line)["messages"] for line in text.splitlines())  # still valid JSON lines


def test_logs_are_masked(serve):
    serve(api_key=SERVER_KEY)  # sets up uvicorn's loggers as the CLI does
    captured = io.StringIO()
    handler = logging.StreamHandler(captured)
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger = logging.getLogger("uvicorn.error")
    logger.addHandler(handler)
    try:
        try:
            raise RuntimeError(f"cannot reach {with_password('http://h/v1')} with {SERVER_KEY}")
        except RuntimeError:
            logger.exception("Exception in ASGI application, key %s", SERVER_KEY)
    finally:
        logger.removeHandler(handler)
    out = captured.getvalue()
    assert "Exception in ASGI application" in out and "RuntimeError" in out
    assert SERVER_KEY not in out and URL_PASSWORD not in out
