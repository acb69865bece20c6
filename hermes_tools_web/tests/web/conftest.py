"""A real HTTP site on 127.0.0.1 (stdlib http.server in a thread) and a fresh hermes host per test."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

import hermes_tools_web
from hermes_core import plugins
from hermes_core.plugins import Hermes

ARTICLE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>The Art of Testing</title></head><body>
<nav><a href="/home">Home</a> | <a href="/about">About us</a></nav>
<article>
<h1>The Art of Testing</h1>
<p>Testing software is an <b>important</b> practice that many engineers neglect until a release
goes wrong. Read <a href="/more">the longer guide</a> or <a href="https://example.org/x">an outside
view</a> before you start.</p>
<h2>Why it matters</h2>
<p>Because bugs found late are expensive. A test suite that runs against a real server catches the
mistakes that mocks hide, and it documents what the code promises to its users.</p>
<ul><li>fast feedback</li><li>fewer regressions</li></ul>
</article>
<footer>Copyright 2024 footer boilerplate</footer>
</body></html>"""

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(256)) * 4
SEARX_RESULTS = [
    {"title": f"Result {i}", "url": f"https://example.org/{i}", "content": f"snippet {i}"} for i in range(8)
]


class Site:
    """What the tests need to know about the running site."""

    def __init__(self, server: ThreadingHTTPServer, stop: threading.Event) -> None:
        self.server, self.stop = server, stop
        self.port = server.server_address[1]
        self.hits: list[str] = []
        self.bodies: list[bytes] = []

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


def _handler(site_ref: list[Site]):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):  # keep pytest output clean
            pass

        def send(self, status, body: bytes, content_type="text/html; charset=utf-8", headers=()):
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for key, value in headers:
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(body)

        def redirect(self, location: str, status: int = 302):
            self.send(status, b"", headers=[("Location", location)])

        def do_POST(self):
            site = site_ref[0]
            length = int(self.headers.get("Content-Length") or 0)
            site.hits.append(self.path)
            site.bodies.append(self.rfile.read(length))
            if self.path.endswith("/v2/search"):
                web = [
                    {"title": "Firecrawl hit", "url": "https://example.com/fc", "description": "from fc"},
                    {
                        "markdown": "# Doc",
                        "metadata": {
                            "title": "A document",
                            "sourceURL": "https://example.com/doc",
                            "url": "https://example.com/doc",
                            "description": "scraped",
                        },
                    },
                ]
                self.send(
                    200, json.dumps({"success": True, "data": {"web": web}}).encode(), "application/json"
                )
            else:
                self.send(404, b"not found", "text/plain")

        def do_GET(self):
            site = site_ref[0]
            parts = urlsplit(self.path)
            path, query = parts.path, parse_qs(parts.query)
            site.hits.append(self.path)
            if path == "/article":
                self.send(200, ARTICLE.encode())
            elif path.startswith("/redirect/"):
                step = int(path.rsplit("/", 1)[1])
                target = "/article" if step >= 3 else f"/redirect/{step + 1}"
                self.redirect(target, 301 if step % 2 else 302)
            elif path == "/loop/a":
                self.redirect("/loop/b")
            elif path == "/loop/b":
                self.redirect(site.url("/loop/a"))
            elif path.startswith("/endless/"):
                self.redirect(f"/endless/{int(path.rsplit('/', 1)[1]) + 1}")
            elif path == "/to-other-loopback":
                self.redirect(f"http://127.0.0.2:{site.port}/article")
            elif path == "/to-metadata":
                self.redirect("http://169.254.169.254/latest/meta-data/")
            elif path == "/to-ftp":
                self.redirect("ftp://127.0.0.1/file")
            elif path == "/huge":
                chunk = ("<p>" + "lorem ipsum dolor sit amet " * 36 + "</p>\n").encode()
                count = 3 * 1024 * 1024 // len(chunk)
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(chunk) * count + 26))
                self.end_headers()
                try:
                    self.wfile.write(b"<html><body><h1>Huge</h1>\n")
                    for _ in range(count):
                        self.wfile.write(chunk)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client stopped reading at its cap, as it should
            elif path == "/long.txt":
                words = " ".join(f"word{i}" for i in range(20_000))
                self.send(200, words.encode(), "text/plain; charset=utf-8")
            elif path == "/slow":
                site.stop.wait(float(query.get("s", ["5"])[0]))
                self.send(200, b"<html><body><p>finally</p></body></html>")
            elif path == "/drip":
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", "100")
                self.end_headers()
                try:
                    for _ in range(100):
                        if site.stop.wait(0.1):
                            break
                        self.wfile.write(b"x")
                        self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):
                    pass
            elif path == "/image.png":
                self.send(200, PNG, "image/png")
            elif path == "/blob":
                self.send(200, PNG, "application/octet-stream")
            elif path == "/data.json":
                self.send(
                    200, b'{"name":"hermes","tools":["web_search","web_extract"],"n":2}', "application/json"
                )
            elif path == "/notes.txt":
                self.send(
                    200, "Plain notes.\nSecond line: caf\u00e9.\n".encode(), "text/plain; charset=utf-8"
                )
            elif path == "/latin1":
                body = (
                    "<html><head><title>Caf\u00e9</title></head><body><p>Un caf\u00e9 cr\u00e8me, s'il vous"
                    " pla\u00eet, avec un croissant et une tartine beurr\u00e9e.</p></body></html>"
                )
                self.send(200, body.encode("latin-1"), "text/html; charset=iso-8859-1")
            elif path == "/empty":
                self.send(200, b"<html><body></body></html>")
            elif path == "/searxng/search":
                if query.get("format") != ["json"]:
                    self.send(400, b"format missing", "text/plain")
                    return
                payload = {"query": query.get("q", [""])[0], "results": SEARX_RESULTS}
                self.send(200, json.dumps(payload).encode(), "application/json")
            elif path == "/searxng-nojson/search":
                self.send(403, b"Forbidden", "text/plain")
            else:
                self.send(404, b"<html><body><h1>Not found</h1></body></html>")

    return Handler


@pytest.fixture(scope="session")
def _server():
    site_ref: list[Site] = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(site_ref))
    server.daemon_threads = True
    stop = threading.Event()
    site_ref.append(Site(server, stop))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield site_ref[0]
    stop.set()
    server.shutdown()
    server.server_close()
    thread.join(5)


@pytest.fixture
def site(_server):
    _server.hits.clear()
    _server.bodies.clear()
    return _server


WEB_ENV = (
    "HERMES_WEB_ALLOW_PRIVATE",
    "HERMES_WEB_SEARCH_PROVIDER",
    "HERMES_WEB_TIMEOUT",
    "HERMES_WEB_MAX_BYTES",
    "HERMES_WEB_MAX_CHARS",
    "HERMES_WEB_MAX_REDIRECTS",
    "HERMES_WEB_MAX_CONCURRENCY",
    "FIRECRAWL_API_KEY",
    "FIRECRAWL_API_URL",
    "SEARXNG_URL",
)


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch):
    """Each test starts with no web configuration, whatever the developer's shell has."""
    for key in WEB_ENV:
        monkeypatch.delenv(key, raising=False)


@pytest.fixture
def allow_private(monkeypatch):
    monkeypatch.setenv("HERMES_WEB_ALLOW_PRIVATE", "1")


@pytest.fixture
def host():
    """A fresh host holding only this plugin, installed as the process-wide one for the handlers."""
    previous = plugins._host
    fresh = Hermes()
    record = fresh.register(hermes_tools_web, name="hermes-tools-web")
    assert record.status == "ok", record.error
    plugins.set_hermes(fresh)
    yield fresh
    plugins.set_hermes(previous)


@pytest.fixture
def timer():
    start = time.monotonic()
    return lambda: time.monotonic() - start
