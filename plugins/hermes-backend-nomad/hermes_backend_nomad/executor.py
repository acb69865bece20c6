"""The sandbox executor: a small HTTP server that runs one slot's commands inside its container.

Each Nomad allocation ("slot") runs this file with the image's ``python3`` (standard library only, no
hermes: the file is all a container needs). The backend talks to it over HTTP:

- ``GET /health`` → ``{"ok": true, "cwd": its working folder}``
- ``POST /exec`` ``{"command", "cwd", "timeout", "max_output"}`` → ``{"output", "exit_code", "timed_out"}``
- ``PUT /files?path=P`` (body: the bytes) and ``GET /files?path=P`` (404 when missing)
- ``POST /reset``: kill what commands started, empty the working folder (the slot goes back as new)

Every request carries ``Authorization: Bearer <token>``, the job's own token (``HERMES_EXECUTOR_TOKEN``);
without a token the executor refuses to start, so it never serves unauthenticated, loopback or not.

A command runs as ``sh -c`` (bash when the image has it) in its own session with a unique
``HERMES_EXEC_ID`` in its environment; on timeout its process tree (frozen first, parent links), its
process group and every process carrying that marker (``setsid`` children too) are killed. Output
keeps the last ``max_output`` characters with the same note as ``hermes_core.terminal.cap_output``
(copied: this file runs without hermes).
"""

from __future__ import annotations

import argparse
import hmac
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

TOKEN_VARIABLE = "HERMES_EXECUTOR_TOKEN"
PIPE_GRACE = 0.5  # seconds to wait for output after the command exits (a background job holds the pipe)
KILL_ROUNDS = 3
QUIET_SCANS = 2
SAFE_ENV = ("PATH", "HOME", "LANG", "LC_ALL", "TZ", "TERM")
# Each command's marker starts with this executor's own id, so that a reset kills only what this executor
# started: on a shared host (tests, a raw_exec driver) other programs carry HERMES_EXEC_ID markers too.
INSTANCE = uuid.uuid4().hex[:12]


class Tail:
    """The last ``limit`` characters of a stream and how many there were in all."""

    def __init__(self, limit: int) -> None:
        self.limit, self.total, self.parts, self.held = limit, 0, [], 0
        self.lock = threading.Lock()

    def feed(self, text: str) -> None:
        with self.lock:
            self.total += len(text)
            self.parts.append(text)
            self.held += len(text)
            if self.limit > 0 and self.held > 2 * self.limit:
                joined = "".join(self.parts)[-self.limit :]
                self.parts, self.held = [joined], len(joined)

    def text(self) -> str:
        with self.lock:
            joined, total = "".join(self.parts), self.total
        if self.limit <= 0 or total <= self.limit:
            return joined
        cut = total - self.limit
        return f"[output truncated: {cut} of {total} characters cut from the start]\n" + joined[-self.limit :]


def _marked(marker: bytes) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) != os.getpid():
            try:
                with open(f"/proc/{entry}/environ", "rb") as handle:
                    if marker in handle.read().split(b"\0"):
                        found.append(int(entry))
            except OSError:
                continue
    return found


def _children() -> dict[int, list[int]]:
    """``{parent pid: [child pids]}`` from ``/proc/*/stat``."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    ppid = int(handle.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    return children


def _freeze_tree(root: int) -> set[int]:
    """Stop ``root`` and every descendant (parent links, followed before anything dies and re-parents),
    again until no new one appears: what ``setsid env -i`` took out of the group and the markers."""
    frozen: set[int] = set()
    for _ in range(10):
        children, found, todo = _children(), {root}, [root]
        while todo:
            for child in children.get(todo.pop(), []):
                if child not in found:
                    found.add(child)
                    todo.append(child)
        new = found - frozen
        if not new:
            break
        for pid in new:
            try:
                os.kill(pid, signal.SIGSTOP)
            except OSError:
                pass
        frozen |= new
    return frozen


def kill_command(process: subprocess.Popen, marker: str) -> None:
    """The command's process tree (frozen first), its process group, then whatever still carries its
    marker (it left the group and was re-parented)."""
    for pid in _freeze_tree(process.pid):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except OSError:
        pass
    _kill_until_quiet(lambda: _marked(marker.encode()))


def _kill_until_quiet(find) -> int:
    """Kill what ``find()`` lists, scan after scan, until :data:`QUIET_SCANS` scans in a row find none
    (a process inside ``execve`` shows no environment for a moment: one empty scan proves nothing).
    Returns how many were killed."""
    killed = quiet = 0
    for _ in range(KILL_ROUNDS + QUIET_SCANS):
        pids = find()
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
                killed += 1
            except OSError:
                pass
        quiet = 0 if pids else quiet + 1
        if quiet >= QUIET_SCANS:
            break
        time.sleep(0.05)
    return killed


def run_command(command: str, cwd: str, timeout: float, max_output: int) -> dict:
    if not os.path.isdir(cwd):
        return {"output": f"working directory does not exist: {cwd}", "exit_code": 1, "timed_out": False}
    marker = f"HERMES_EXEC_ID={INSTANCE}-{uuid.uuid4().hex}"
    env = {k: os.environ[k] for k in SAFE_ENV if k in os.environ}
    env.setdefault("PATH", "/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin")
    env["HERMES_EXEC_ID"] = marker.split("=", 1)[1]
    shell = shutil.which("bash", path=env["PATH"]) or "sh"
    process = subprocess.Popen(
        [shell, "-c", command],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    tail = Tail(max_output)

    def pump() -> None:
        reader = __import__("codecs").getincrementaldecoder("utf-8")(errors="replace")
        for chunk in iter(lambda: process.stdout.read1(65536), b""):
            tail.feed(reader.decode(chunk))
        tail.feed(reader.decode(b"", final=True))

    thread = threading.Thread(target=pump, daemon=True)
    thread.start()
    try:
        code = process.wait(timeout)
    except subprocess.TimeoutExpired:
        kill_command(process, marker)
        process.wait()
        thread.join(PIPE_GRACE)
        return {"output": tail.text(), "exit_code": 124, "timed_out": True}
    thread.join(PIPE_GRACE)
    return {"output": tail.text(), "exit_code": code if code >= 0 else 128 - code, "timed_out": False}


def make_handler(token: str) -> type[BaseHTTPRequestHandler]:
    expected = f"Bearer {token}".encode()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

        def _reply(self, status: int, body: bytes, kind: str = "application/json") -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _json(self, status: int, value: dict) -> None:
            self._reply(status, json.dumps(value).encode())

        def _allowed(self) -> bool:
            given = (self.headers.get("Authorization") or "").encode()
            if hmac.compare_digest(given, expected):
                return True
            self._json(401, {"error": "unauthorized"})
            return False

        def _body(self) -> bytes:
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))

        def _path(self) -> str | None:
            values = parse_qs(urlparse(self.path).query).get("path")
            return values[0] if values else None

        def do_GET(self) -> None:
            if not self._allowed():
                return
            route = urlparse(self.path).path
            if route == "/health":
                self._json(200, {"ok": True, "cwd": os.getcwd()})
            elif route == "/files" and self._path():
                try:
                    with open(self._path(), "rb") as handle:
                        self._reply(200, handle.read(), "application/octet-stream")
                except FileNotFoundError:
                    self._json(404, {"error": f"no such file: {self._path()}"})
                except OSError as exc:
                    self._json(400, {"error": f"{type(exc).__name__}: {exc}"})
            else:
                self._json(404, {"error": "not found"})

        def do_PUT(self) -> None:
            if not self._allowed():
                return
            path = self._path()
            if urlparse(self.path).path != "/files" or not path:
                self._json(404, {"error": "not found"})
                return
            data = self._body()
            try:
                os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
                partial = f"{path}.hermes-{uuid.uuid4().hex[:8]}"
                with open(partial, "wb") as handle:
                    handle.write(data)
                os.replace(partial, path)  # nobody reads half a file
            except OSError as exc:
                self._json(400, {"error": f"{type(exc).__name__}: {exc}"})
                return
            self._json(200, {"written": len(data)})

        def do_POST(self) -> None:
            if not self._allowed():
                return
            route = urlparse(self.path).path
            if route == "/reset":
                self._json(200, reset(os.getcwd()))
                return
            if route != "/exec":
                self._json(404, {"error": "not found"})
                return
            try:
                request = json.loads(self._body() or b"{}")
                command = str(request["command"])
                result = run_command(
                    command,
                    str(request.get("cwd") or os.getcwd()),
                    float(request.get("timeout") or 60),
                    int(request.get("max_output") or 0),
                )
            except (ValueError, KeyError, TypeError) as exc:
                self._json(400, {"error": f"bad request: {type(exc).__name__}: {exc}"})
                return
            except OSError as exc:
                result = {"output": f"{type(exc).__name__}: {exc}", "exit_code": 126, "timed_out": False}
            self._json(200, result)

    return Handler


def reset(workdir: str) -> dict:
    """Kill every process a command started and empty the working folder: the slot as new."""
    killed = _kill_until_quiet(lambda: _marked_prefix(f"HERMES_EXEC_ID={INSTANCE}-".encode()))
    for name in os.listdir(workdir):
        path = os.path.join(workdir, name)
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path, ignore_errors=True)
        else:
            try:
                os.unlink(path)
            except OSError:
                pass
    return {"killed": killed}


def _marked_prefix(prefix: bytes) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) != os.getpid():
            try:
                with open(f"/proc/{entry}/environ", "rb") as handle:
                    if any(line.startswith(prefix) for line in handle.read().split(b"\0")):
                        found.append(int(entry))
            except OSError:
                continue
    return found


def serve(host: str, port: int, token: str) -> ThreadingHTTPServer:
    if not token:
        raise SystemExit(f"executor: no token ({TOKEN_VARIABLE}); refusing to serve unauthenticated")
    server = ThreadingHTTPServer((host, port), make_handler(token))
    server.daemon_threads = True
    return server


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="hermes sandbox executor")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--workdir", default=None, help="create and start in this folder")
    options = parser.parse_args(argv)
    token = os.environ.pop(TOKEN_VARIABLE, "")  # not inherited by the commands
    if options.workdir:
        os.makedirs(options.workdir, exist_ok=True)
        os.chdir(options.workdir)
    server = serve(options.host, options.port, token)
    print(f"executor listening on {server.server_address[0]}:{server.server_address[1]}", flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    server.serve_forever()


if __name__ == "__main__":
    main()
