"""The scripted server stays quiet when a client hangs up (expected in timeout and cancel tests)."""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler

from hermes_testkit.openai_server import _HTTPServer


def _handled(server: _HTTPServer, error: BaseException) -> None:
    try:
        raise error
    except BaseException:
        server.handle_error(None, ("127.0.0.1", 1))


def test_a_client_hanging_up_prints_no_traceback_but_real_errors_do(capsys):
    server = _HTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    try:
        _handled(server, ConnectionResetError(104, "Connection reset by peer"))
        _handled(server, BrokenPipeError(32, "Broken pipe"))
        assert "Traceback" not in capsys.readouterr().err
        _handled(server, ValueError("a bug in a handler"))
        assert "ValueError: a bug in a handler" in capsys.readouterr().err
    finally:
        server.server_close()
