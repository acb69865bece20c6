"""What the serve tests share: ``hermes serve`` in a thread, the kit's scripted upstream set up as vLLM
answers, sample tools and calls, and the client-side helpers that put streamed chunks back together.

The upstream is the test kit's :class:`~hermes_testkit.openai_server.ScriptedOpenAIServer` (a real HTTP
server on 127.0.0.1); :func:`answer` streams its text a few characters a chunk, as vLLM does.
"""

from __future__ import annotations

import json
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from hermes_serve.config import ServeConfig
from hermes_serve.server import loopback_socket, make_server

from hermes_testkit.openai_server import Reply, error
from hermes_testkit.parser_helpers import WEATHER_TOOL
from hermes_testkit.ports import listens

WEATHER_TOOLS = [WEATHER_TOOL]
HERMES_CALL = (
    "Let me check the weather.\n<tool_call>\n"
    '{"name": "get_weather", "arguments": {"city": "Paris", "days": 3}}\n</tool_call>'
)
USER = [{"role": "user", "content": "Weather in Paris for 3 days?"}]
PARIS = [("get_weather", {"city": "Paris", "days": 3})]


def answer(text: str | None = "", chunk: int = 3, **kwargs: Any) -> Reply:
    """An upstream answer streamed ``chunk`` characters at a time (vLLM's chunk shapes)."""
    return Reply(content=text, chunk=chunk, **kwargs)


def sse(*events: Any, done: bool = True) -> list[bytes]:
    """A raw event stream: dicts as ``data:`` JSON events, bytes as they are, then ``[DONE]``."""
    out = [e if isinstance(e, bytes) else b"data: " + json.dumps(e).encode() + b"\n\n" for e in events]
    return out + [b"data: [DONE]\n\n"] if done else out


def chunk(delta: Any, finish: str | None = None, **extra: Any) -> dict[str, Any]:
    choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
    event = {"id": "chatcmpl-raw", "object": "chat.completion.chunk", "model": "m", "choices": [choice]}
    return {**event, **extra}


def refusing_auto_tool_choice(respond: Callable[[dict[str, Any]], Reply]) -> Callable[[dict], Reply]:
    """vLLM without ``--enable-auto-tool-choice``: ``tool_choice: auto`` with tools is a 400 (its words)."""

    def responder(body: dict[str, Any]) -> Reply:
        if body.get("tools") and body.get("tool_choice", "auto") == "auto":
            return error(400, '"auto" tool choice requires --enable-auto-tool-choice and --tool-call-parser')
        return respond(body)

    return responder


class ServeThread:
    """``hermes serve`` as the CLI sets it up (uvicorn, deadlines, masked logs), in a daemon thread."""

    def __init__(self, config: ServeConfig, parser: Any = None) -> None:
        self.socket = loopback_socket(config.host)
        self.config = replace(config, port=self.socket.getsockname()[1])
        self.server = make_server(self.config, parser)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.socket]}, name="hermes-serve", daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://{self.config.host}:{self.config.port}"

    @property
    def proxy(self) -> Any:
        """The running :class:`hermes_serve.app.Proxy` (to look at its session store)."""
        return self.server.config.app.state.proxy

    def start(self) -> ServeThread:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("hermes serve did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.socket.close()


def serve_in_thread(config: ServeConfig, parser: Any = None) -> ServeThread:
    return ServeThread(config, parser).start()


def completions_route(tokenizer_path: str, complete: Callable[[str], str], logprob: float):
    """vLLM's ``/v1/completions`` with ``return_token_ids``, for the kit server's ``routes``: the text
    ``complete(prompt)`` chooses, its ids plus the EOS id (vLLM stops there), a fixed logprob each."""
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tokenizer_path)

    def route(body: dict[str, Any]) -> dict[str, Any]:
        prompt = body["prompt"]
        text = tokenizer.decode(prompt, skip_special_tokens=False) if isinstance(prompt, list) else prompt
        ids = tokenizer.encode(complete(text), add_special_tokens=False) + [tokenizer.eos_token_id]
        choice = {
            "index": 0,
            "text": tokenizer.decode(ids, skip_special_tokens=False),
            "token_ids": ids,
            "logprobs": {
                "tokens": [f"token_id:{i}" for i in ids],
                "token_logprobs": [logprob] * len(ids),
                "top_logprobs": None,
                "text_offset": [],
            },
            "finish_reason": "stop",
        }
        usage = {"prompt_tokens": len(prompt), "completion_tokens": len(ids)}
        return {"id": "cmpl-upstream", "object": "text_completion", "created": int(time.time()),
                "model": body.get("model") or "m", "choices": [choice], "usage": usage}  # fmt: skip

    return route


def accumulate(chunks) -> dict:
    """Put ``openai`` stream chunks back together: content, tool calls by index, finish reason."""
    content, calls, finish = [], {}, None
    for part in chunks:
        for choice in part.choices:
            delta = choice.delta
            if delta.content:
                content.append(delta.content)
            for call_part in delta.tool_calls or ():
                call = calls.setdefault(call_part.index, {"id": None, "name": "", "arguments": ""})
                call["id"] = call_part.id or call["id"]
                if call_part.function is not None:
                    call["name"] += call_part.function.name or ""
                    call["arguments"] += call_part.function.arguments or ""
            finish = choice.finish_reason or finish
    return {
        "content": "".join(content) or None,
        "calls": [(c["name"], json.loads(c["arguments"])) for _, c in sorted(calls.items())],
        "ids": [c["id"] for _, c in sorted(calls.items())],
        "finish": finish,
    }


def message_calls(message) -> list:
    return [(c.function.name, json.loads(c.function.arguments)) for c in message.tool_calls or ()]


def serve_process(command: list[str], port: int, wait: float = 60) -> subprocess.Popen:
    """``hermes serve`` as a real process, returned once its ``/health`` answers 200 (the process's
    stderr in the failure when it exits first or does not answer in ``wait`` seconds)."""
    import httpx

    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + wait
    while True:
        try:
            answered = httpx.get(f"http://127.0.0.1:{port}/health").status_code == 200
            if answered and listens(process.pid, port):  # not another process that took the port first
                return process
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise AssertionError(f"hermes serve did not answer /health: {process.communicate()[1]}")
        time.sleep(0.1)
