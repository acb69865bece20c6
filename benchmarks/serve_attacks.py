"""``hermes serve`` under memory attacks: peak RSS of the server process for each (issue 22, item 3).

    python benchmarks/serve_attacks.py                     # this tree's hermes serve
    python benchmarks/serve_attacks.py --baseline 3011c70  # and the serve of that revision, side by side
    python benchmarks/serve_attacks.py --quick             # smaller attacks (CI smoke)

Each attack gets a fresh ``hermes serve`` process (as a user starts it, default settings) in front of the
test kit's scripted upstream on 127.0.0.1; the figure is the process's ``VmHWM`` (peak resident set)
from ``/proc``, next to its RSS once started, and what the client got (status, bytes).

1. a 31 MB request body of ``{}`` items, once and 4 at a time (the upstream is a closed port: only the
   proxy's own handling of the body counts);
2. completions mode, 10 sessions each with a 2 MB prompt;
3. a 100 MB upstream answer (not streamed);
4. a streamed answer that opens ``<tool_call>`` and then writes 30 MB without closing it;
5. 32 clients one after another (0.5 s apart), each with a 30 MB body (one string: under every
   per-request cap), all waiting on a slow upstream (20 s);
6. upstream answers under the size cap that cost far more decoded: 31 MB of ``{}`` items (whole, and
   as one stream event), and a stream naming a million choice indexes;
7. a streamed answer that is one 60 MB ``data:`` line with no newline, in 64 KB writes (item 6): the
   server's CPU time for it (``utime + stime``), with the default upstream cap (32 MB: 502 once past it)
   and with ``--max-upstream-mb 100`` (the whole line read, then reported as a truncated stream).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from hermes_testkit.ports import free_port

ROOT = Path(__file__).resolve().parent.parent


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (``/proc/PID/stat`` fields 14 and 15)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def memory(pid: int) -> dict[str, float]:
    """``VmRSS`` and ``VmHWM`` of a process, in MB."""
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            out[name] = int(value.split()[0]) / 1024
    return out


def checkout(revision: str, into: Path) -> Path:
    """The hermes-serve package of ``revision`` (``git archive``), to put first on ``PYTHONPATH``."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", revision, "plugins/hermes-serve/hermes_serve"],
        capture_output=True,
        check=True,
    ).stdout
    with tarfile.open(fileobj=__import__("io").BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into / "plugins" / "hermes-serve"


class Serve:
    """One ``hermes serve`` process; ``source`` puts another revision's package first on the path."""

    def __init__(self, upstream: str, source: Path | None, *extra: str) -> None:
        self.port = free_port()
        env = dict(os.environ)
        if source is not None:
            env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(source), env.get("PYTHONPATH")]))
        command = [
            sys.executable,
            "-c",
            "from hermes_serve.cli import serve; serve()",
            "--upstream",
            upstream,
        ]
        command += ["--parser", "hermes", "--port", str(self.port), *extra]
        self.process = subprocess.Popen(command, stderr=subprocess.DEVNULL, env=env)
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{self.url}/health", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise SystemExit("hermes serve did not start")
            time.sleep(0.1)
        self.started = memory(self.process.pid)["VmRSS"]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def close(self) -> dict[str, float]:
        figures = memory(self.process.pid) | {"start": self.started}
        self.process.terminate()
        self.process.wait(20)
        return figures


async def post_many(url: str, body: bytes, count: int, every: float = 0) -> list[str]:
    """``count`` requests at once, or one every ``every`` seconds (each still waiting for its answer)."""
    async with httpx.AsyncClient(timeout=600, limits=httpx.Limits(max_connections=None)) as http:

        async def one(n: int) -> str:
            await asyncio.sleep(n * every)
            try:
                response = await http.post(url + "/v1/chat/completions", content=body)
                return f"{response.status_code} ({len(response.content)} B)"
            except httpx.HTTPError as exc:
                return type(exc).__name__

        return list(await asyncio.gather(*(one(n) for n in range(count))))


def stream(url: str, body: dict) -> str:
    size, first_content = 0, None
    start = time.monotonic()
    try:
        with httpx.stream("POST", url + "/v1/chat/completions", json=body, timeout=600) as response:
            for part in response.iter_bytes():
                size += len(part)
                if first_content is None and b"xxxx" in part:
                    first_content = time.monotonic() - start
            status = response.status_code
    except httpx.HTTPError as exc:
        return type(exc).__name__
    seen = "never" if first_content is None else f"after {first_content:.1f} s"
    return f"{status}, {size / 2**20:.1f} MB streamed, held text first sent {seen}"


def upstream_server(tokenizer_dir: str, scale: float):
    """The kit's scripted upstream: a 100 MB answer, a 30 MB unclosed ``<tool_call>`` stream, and
    ``/v1/completions`` answering ``ok`` (token ids from the tokenizer) for completions mode."""
    from transformers import AutoTokenizer

    from hermes_testkit.openai_server import Reply, ScriptedOpenAIServer

    tokenizer = AutoTokenizer.from_pretrained(tokenizer_dir)
    huge = int(100 * 2**20 * scale)
    big_answer = (
        b'{"id": "x", "object": "chat.completion", "model": "m", "choices": [{"index": 0, "message": '
        b'{"role": "assistant", "content": "' + b"x" * huge + b'"}, "finish_reason": "stop"}]}'
    )

    def event(delta: dict, finish: str | None = None) -> bytes:
        choice = {"index": 0, "delta": delta, "finish_reason": finish}
        return b"data: " + json.dumps({"id": "x", "model": "m", "choices": [choice]}).encode() + b"\n\n"

    piece = event({"content": "x" * 10_000})
    held = int(30 * 2**20 * scale) // 10_000
    unclosed = [event({"role": "assistant", "content": "Let me look. <tool_call>{"}), *[piece] * held]
    unclosed += [event({}, "stop"), b"data: [DONE]\n\n"]

    def one_line() -> Iterator[bytes]:
        yield b'data: {"id": "x", "choices": [{"index": 0, "delta": {"content": "'
        for _ in range(int(60 * 16 * scale)):
            yield b"x" * 65536

    pad = b"{}," * int(31 * 2**20 * scale / 3) + b"{}"
    values_whole = (
        b'{"id": "x", "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi"}, '
        b'"finish_reason": "stop"}], "pad": [' + pad + b"]}"
    )
    values_event = [
        b'data: {"id": "x", "choices": [{"index": 0, "delta": {"content": "a"}}], "pad": [' + pad + b"]}\n\n",
        event({}, "stop"),
        b"data: [DONE]\n\n",
    ]

    def many_choices() -> Iterator[bytes]:
        for first in range(0, int(1_000_000 * scale), 10_000):
            choices = [{"index": i, "delta": {"content": "a"}} for i in range(first, first + 10_000)]
            yield b"data: " + json.dumps({"id": "x", "choices": choices}).encode() + b"\n\n"

    def respond(body: dict) -> Reply:
        attack = body.get("bench_attack")
        if attack == "values-whole":
            return Reply(raw=values_whole)
        if attack == "values-event":
            return Reply(raw=values_event)
        if attack == "choices":
            return Reply(raw=many_choices())
        if attack == "slow":
            return Reply(content="ok", delay=20)
        if attack == "line60":
            return Reply(raw=one_line())
        if attack == "upstream100":
            return Reply(raw=big_answer)
        if attack == "held30":
            return Reply(raw=unclosed)
        return Reply("ok")

    def completion(body: dict) -> dict:
        ids = tokenizer.encode("ok", add_special_tokens=False) + [tokenizer.eos_token_id]
        logprobs = {"tokens": [f"token_id:{i}" for i in ids], "token_logprobs": [-0.5] * len(ids)}
        choice = {"index": 0, "text": "ok", "token_ids": ids, "finish_reason": "stop", "logprobs": logprobs}
        return {"id": "c", "object": "text_completion", "model": "m", "choices": [choice]}

    server = ScriptedOpenAIServer()
    server.keep_requests = False
    server.responder = respond
    server.routes["/v1/completions"] = completion
    return server.start()


def sessions_attack(
    upstream: str, source: Path | None, tokenizer: str, scale: float, idle: float = 0
) -> tuple[str, dict]:
    """Completions mode, 10 sessions with a 2 MB prompt each, one after another; with ``idle`` the
    sessions are left unused for 2.5 idle periods before the figures are read."""
    extra = ["--session-idle", str(idle)] if idle else []
    serve = Serve(upstream, source, "--upstream-mode", "completions", "--tokenizer", tokenizer, *extra)
    prompt = "word " * int(2 * 2**20 * scale / 5)
    statuses = []
    for n in range(10):
        response = httpx.post(
            serve.url + "/v1/chat/completions",
            json={"model": "m", "messages": [{"role": "user", "content": prompt}], "max_tokens": 8},
            headers={"X-Session-Id": f"session-{n}"},
            timeout=600,
        )
        statuses.append(str(response.status_code))
    if idle:
        time.sleep(idle * 2.5)
    got = ",".join(sorted(set(statuses))) + (f"; end = RSS after {idle * 2.5:g} s idle" if idle else "")
    return got, serve.close()


ATTACKS = ("body", "bodies", "sessions", "sessions-idle", "upstream", "held", "shapes", "line60")


def attacks(
    upstream: str, source: Path | None, tokenizer: str, scale: float, only: tuple[str, ...] = ATTACKS
) -> list[tuple[str, str, dict]]:
    rows = []
    user = [{"role": "user", "content": "hi"}]
    if "body" in only:
        pad = b"{}," * int(31 * 2**20 * scale / 3)
        body31 = b'{"model": "m", "messages": ' + json.dumps(user).encode() + b', "pad": [' + pad + b"{}]}"
        closed = f"http://127.0.0.1:{free_port()}/v1"
        for count in (1, 4):
            serve = Serve(closed, source)
            got = asyncio.run(post_many(serve.url, body31, count))
            rows.append((f"31 MB body of {{}} x{count}", ", ".join(sorted(set(got))), serve.close()))

    if "bodies" in only:
        serve = Serve(upstream, source)
        long = [{"role": "user", "content": "y" * int(30 * 2**20 * scale)}]
        body = json.dumps({"model": "m", "bench_attack": "slow", "messages": long})
        got = asyncio.run(post_many(serve.url, body.encode(), 32, every=0.5))
        counts = {g: got.count(g) for g in sorted(set(got))}
        rows.append(("32 x 30 MB bodies, slow upstream", str(counts), serve.close()))

    if "sessions" in only:  # default settings, as a user starts it
        rows.append(("completions, 10 sessions x 2 MB", *sessions_attack(upstream, source, tokenizer, scale)))
    if "sessions-idle" in only and source is None:  # this tree: --session-idle 4, then 10 s without requests
        rows.append(
            ("  the same, --session-idle 4", *sessions_attack(upstream, source, tokenizer, scale, idle=4))
        )

    if "upstream" in only:
        serve = Serve(upstream, source)
        response = httpx.post(
            serve.url + "/v1/chat/completions",
            json={"model": "m", "messages": user, "bench_attack": "upstream100"},
            timeout=600,
        )
        got = f"{response.status_code} ({len(response.content)} B)"
        rows.append(("100 MB upstream answer", got, serve.close()))

    if "shapes" in only:
        cases = (("values-whole", False), ("values-event", True), ("choices", True))
        for attack, streamed in cases:
            serve = Serve(upstream, source)
            body = {"model": "m", "messages": user, "stream": streamed, "bench_attack": attack}
            if attack == "choices":  # parsed: each choice gets a tool parser's state
                body["tools"] = [{"type": "function", "function": {"name": "f", "parameters": {}}}]
            response = httpx.post(serve.url + "/v1/chat/completions", json=body, timeout=600)
            tail = response.text.strip().splitlines()[-3 if streamed else -1][-90:]
            got = f"{response.status_code} ({len(response.content)} B) {tail}"
            name = {"values-whole": "31 MB of {} answer", "values-event": "31 MB of {} in one event"}
            rows.append((name.get(attack, "1M choice indexes streamed"), got, serve.close()))

    if "line60" in only:
        variants = [()] if source is not None else [(), ("--max-upstream-mb", "100")]  # no cap before
        for extra in variants:
            serve = Serve(upstream, source, *extra)
            before = cpu_seconds(serve.process.pid)
            body = {"model": "m", "messages": user, "stream": True, "bench_attack": "line60"}
            with httpx.stream("POST", serve.url + "/v1/chat/completions", json=body, timeout=600) as r:
                lines = [line for line in r.iter_lines() if line]
            cpu = cpu_seconds(serve.process.pid) - before
            last = lines[-2][:120] if len(lines) > 1 else f"only {lines}, no error event"
            name = "60 MB line, no newline" + (" (cap 100 MB)" if extra else "")
            rows.append((name, f"{r.status_code}, CPU {cpu:.2f} s, then: {last}", serve.close()))

    if "held" in only:
        serve = Serve(upstream, source)
        tools = [{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}]
        body = {"model": "m", "messages": user, "tools": tools, "stream": True, "bench_attack": "held30"}
        rows.append(("30 MB after an unclosed <tool_call>", stream(serve.url, body), serve.close()))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", help="a git revision whose hermes serve to measure as well")
    parser.add_argument("--quick", action="store_true", help="attacks a tenth the size")
    parser.add_argument("--only", action="append", choices=ATTACKS, help="run this attack (repeatable)")
    args = parser.parse_args()
    scale = 0.1 if args.quick else 1.0
    from hermes_testkit.envs import build_tokenizer

    with tempfile.TemporaryDirectory() as tmp:
        tokenizer_dir = str(build_tokenizer(Path(tmp) / "tokenizer"))
        upstream = upstream_server(tokenizer_dir, scale)
        try:
            runs = [("this tree", None)]
            if args.baseline:
                runs.insert(0, (f"baseline {args.baseline}", checkout(args.baseline, Path(tmp) / "baseline")))
            for name, source in runs:
                print(f"\n== hermes serve, {name} (peak RSS = VmHWM of the server process)")
                print(f"{'attack':36} {'start':>8} {'peak':>8} {'end':>8}  client got")
                only = tuple(args.only or ATTACKS)
                for attack, outcome, mem in attacks(upstream.base_url, source, tokenizer_dir, scale, only):
                    figures = f"{mem['start']:6.0f}MB {mem['VmHWM']:6.0f}MB {mem['VmRSS']:6.0f}MB"
                    print(f"{attack:36} {figures}  {outcome}", flush=True)
        finally:
            upstream.stop()


if __name__ == "__main__":
    main()
