"""``hermes serve`` as a user starts it, and the plugin hook that adds it without importing the server."""

from __future__ import annotations

import subprocess
import sys

import openai
from serve_kit import USER, WEATHER_TOOLS, accumulate, message_calls, serve_process

from hermes_core.cli.lazy import LazyGroup
from hermes_testkit.ports import free_port

SERVE = [sys.executable, "-m", "hermes_core", "serve"]  # the ``hermes serve`` a user types


def test_the_hook_adds_serve_lazily():
    import hermes_serve.plugin as plugin

    group = LazyGroup(name="hermes")
    plugin.register_commands(cli=group)
    assert group.lazy["serve"][0] == "hermes_serve.cli:serve"
    code = (
        "import hermes_serve.plugin, sys; print(sorted({'starlette', 'uvicorn', 'httpx'} & set(sys.modules)))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "[]"
    listed = subprocess.run([*SERVE[:-1], "--help"], capture_output=True, text=True, timeout=60, check=True)
    assert "serve     OpenAI-compatible proxy" in listed.stdout


def test_hermes_serve_gives_the_openai_client_tool_calls(upstream):
    """The issue's "done": ``hermes serve --upstream URL --parser hermes --port N`` in front of an upstream
    that writes ``<tool_call>`` text gives the real client tool_calls, streaming and not."""
    port = free_port()
    command = [*SERVE, "--upstream", upstream.base_url, "--parser", "hermes", "--port", str(port)]
    process = serve_process(command, port)
    try:
        api = openai.OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key="x", max_retries=0)
        plain = api.chat.completions.create(model="m", messages=USER, tools=WEATHER_TOOLS)
        streamed = accumulate(
            api.chat.completions.create(model="m", messages=USER, tools=WEATHER_TOOLS, stream=True)
        )
        assert (
            message_calls(plain.choices[0].message)
            == streamed["calls"]
            == [("get_weather", {"city": "Paris", "days": 3})]
        )
    finally:
        process.terminate()
        process.wait(10)


def test_unsafe_or_incomplete_settings_are_one_line_errors():
    cases = [
        (["--host", "0.0.0.0"], "--api-key"),
        (["--upstream-mode", "completions"], "--tokenizer"),
        (["--upstream-mode", "completions", "--tokenizer", "/nonexistent/tok"], "no such directory"),
        (["--parser", "no-such-parser"], "no-such-parser"),
        (["--reasoning-parser", "no-such-thinker"], "no-such-thinker"),
        (["--max-bodies-mb", "0"], "max_body_bytes_in_flight must be positive"),
        (["--upstream", "ftp://admin:Hidden-Pa55word-77@h/v1"], "admin:"),  # one line, password masked
    ]
    for extra, needle in cases:
        done = subprocess.run(
            [*SERVE, "--upstream", "http://127.0.0.1:9/v1", "--port", str(free_port()), *extra],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode != 0 and needle in done.stderr, done.stderr
        assert "Hidden-Pa55word-77" not in done.stderr
        assert "Traceback" not in done.stderr
