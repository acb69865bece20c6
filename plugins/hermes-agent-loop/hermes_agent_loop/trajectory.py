"""Trajectories: OpenAI-format runs converted to hermes-agent's ShareGPT format, appended as JSONL.

The ShareGPT shape is what hermes-agent's batch runner saved and what Hermes function-calling datasets
train on: a ``system`` turn listing the tools inside ``<tools>``, ``human`` turns, ``gpt`` turns with the
reasoning in ``<think>`` and each call as ``<tool_call>{json}</tool_call>``, and ``tool`` turns holding
every result of one assistant turn as ``<tool_response>{json}</tool_response>``.

An *ephemeral* system prompt steers the run (e.g. "answer in French") but is not saved, so the data
teaches the behaviour without the crutch.

:func:`append_jsonl` writes one record per ``write`` and fsyncs it: a batch killed at any moment leaves
whole lines plus at most one torn last line, which :func:`read_jsonl` ignores and :func:`repair_jsonl`
cuts off before a resumed run appends again.
"""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Iterator
from typing import Any

__all__ = [
    "TOOLS_SYSTEM_PROMPT",
    "JsonlWriter",
    "append_jsonl",
    "read_jsonl",
    "repair_jsonl",
    "split_reasoning",
    "to_sharegpt",
]

TOOLS_SYSTEM_PROMPT = (
    "You are a function calling AI model. You are provided with function signatures within <tools> </tools> "
    "XML tags. You may call one or more functions to assist with the user query. If available tools are not "
    "relevant in assisting with the user query, just respond in natural conversational language. Don't make "
    "assumptions about what values to plug into functions. After calling & executing the functions, you will "
    "be provided with function results within <tool_response> </tool_response> XML tags. Here are the "
    "available tools:\n<tools>\n{tools}\n</tools>\n"
    "For each function call return a JSON object, with the following pydantic model json schema for each:\n"
    "{{'title': 'FunctionCall', 'type': 'object', 'properties': {{'name': {{'title': 'Name', 'type': "
    "'string'}}, 'arguments': {{'title': 'Arguments', 'type': 'object'}}}}, 'required': ['name', "
    "'arguments']}}\n"
    "Each function call should be enclosed within <tool_call> </tool_call> XML tags.\n"
    "Example:\n<tool_call>\n{{'name': <function-name>,'arguments': <args-dict>}}\n</tool_call>"
)

_THINK = re.compile(r"<think>(.*?)</think>", re.DOTALL)


def split_reasoning(content: str | None) -> tuple[str | None, str | None]:
    """``(reasoning, visible_content)`` from ``<think>`` blocks.

    Handles a closed block, several blocks, a bare ``</think>`` (templates that open the block in the
    prompt, as Qwen3's does) and an unclosed ``<think>`` (the reply ran out of tokens while thinking).
    """
    if not content or "think>" not in content:
        return None, content
    if "<think>" not in content:
        before, _, after = content.partition("</think>")
        return before.strip() or None, after.lstrip()
    parts = _THINK.findall(content)
    visible = _THINK.sub("", content)
    if "<think>" in visible:  # unclosed: everything after it is reasoning
        visible, _, rest = visible.partition("<think>")
        parts.append(rest)
    reasoning = "\n".join(p.strip() for p in parts if p.strip()) or None
    return reasoning, visible.strip()


def _text(content: Any) -> str:
    if content is None:
        return ""
    if isinstance(content, list):
        return "".join(p.get("text", "") if isinstance(p, dict) else str(p) for p in content)
    return content if isinstance(content, str) else str(content)


def _maybe_json(text: Any) -> Any:
    if isinstance(text, str):
        stripped = text.strip()
        if stripped[:1] in ("{", "[", '"'):
            try:
                return json.loads(stripped)
            except (ValueError, RecursionError):  # kept as the raw string: any depth is saved
                pass
    return text


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _tools_block(tools: list[dict[str, Any]]) -> str:
    from hermes_core.tools import tool_functions

    functions = list(tool_functions(tools))
    return TOOLS_SYSTEM_PROMPT.format(tools=_dumps(functions))


def _gpt_value(message: dict[str, Any]) -> str:
    content = _text(message.get("content"))
    reasoning = message.get("reasoning_content") or message.get("reasoning")
    opened_in_prompt = False
    close = content.find("</think>")
    if close >= 0 and not 0 <= content.find("<think>") < close:
        # a bare </think>: the template opened the block in the prompt (Qwen3), so the saved turn
        # would hold an unbalanced tag; give it the same <think> block as a separate reasoning field
        end = close + len("</think>")
        opened, _ = split_reasoning(content[:end])
        reasoning = "\n".join(r.strip() for r in (reasoning, opened) if r and r.strip()) or None
        content = content[end:].lstrip()
        opened_in_prompt = True
    parts: list[str] = []
    if reasoning and (opened_in_prompt or "<think>" not in content):
        parts.append(f"<think>\n{reasoning.strip()}\n</think>\n")
    parts.append(content.strip())
    value = "".join(parts)
    calls = []
    for call in message.get("tool_calls") or ():
        function = call.get("function") or {}
        raw = function.get("arguments")
        try:
            block = _dumps({"name": function.get("name"), "arguments": _maybe_json(raw)})
        except (ValueError, RecursionError):  # decoded, but too deep to encode again: the raw string
            block = _dumps({"name": function.get("name"), "arguments": raw})
        calls.append(f"<tool_call>\n{block}\n</tool_call>")
    if calls:
        value = (value + "\n" if value else value) + "\n".join(calls)
    return value


def to_sharegpt(
    messages: list[dict[str, Any]],
    tools: list[dict[str, Any]] | None = None,
    ephemeral_system_prompt: str | None = None,
) -> dict[str, Any]:
    """``{"conversations": [{"from": ..., "value": ...}, ...]}`` for an OpenAI-format run.

    System messages other than the ephemeral prompt are kept, before the tool list. Consecutive tool
    results are merged into one ``tool`` turn, each tagged with its call id and tool name.
    """
    conversations: list[dict[str, str]] = []
    system_parts: list[str] = []
    names: dict[str, str] = {}
    pending_tool: list[str] = []
    leading = True

    def flush_tools() -> None:
        if pending_tool:
            conversations.append({"from": "tool", "value": "\n".join(pending_tool)})
            pending_tool.clear()

    for message in messages:
        role = message.get("role")
        if role == "system":
            content = _text(message.get("content"))
            if ephemeral_system_prompt:
                if content.strip() == ephemeral_system_prompt.strip():
                    continue
                content = content.replace(ephemeral_system_prompt, "").strip()
            if not content:
                continue
            if leading:
                system_parts.append(content)
            else:
                flush_tools()
                conversations.append({"from": "system", "value": content})
            continue
        leading = False
        if role == "tool":
            call_id = message.get("tool_call_id")
            payload = {
                "tool_call_id": call_id,
                "name": message.get("name") or names.get(call_id or ""),
                "content": _maybe_json(_text(message.get("content"))),
            }
            pending_tool.append(f"<tool_response>\n{_dumps(payload)}\n</tool_response>")
            continue
        flush_tools()
        if role == "assistant":
            for call in message.get("tool_calls") or ():
                names[call.get("id") or ""] = (call.get("function") or {}).get("name")
            conversations.append({"from": "gpt", "value": _gpt_value(message)})
        else:  # user, and anything unknown
            conversations.append({"from": "human", "value": _text(message.get("content"))})
    flush_tools()
    if tools:
        system_parts.append(_tools_block(tools))
    if system_parts:
        conversations.insert(0, {"from": "system", "value": "\n\n".join(system_parts)})
    return {"conversations": conversations}


# -- JSONL ------------------------------------------------------------------------------------------


def _line(record: dict[str, Any], secrets: set[str] | None = None) -> bytes:
    """One JSONL line, secrets masked: an API key echoed by a tool never reaches a dataset.

    A lone surrogate (``"\\ud800"``, which JSON and the OpenAI client decode without complaint) has no
    UTF-8 encoding; it can only sit inside a JSON string, where ``backslashreplace`` writes it as the
    valid escape ``\\ud800``, so the line still parses and reads back as the same string.
    """
    from hermes_core.secrets import mask_secrets

    text = mask_secrets(json.dumps(record, ensure_ascii=False, default=str), known=secrets)
    return (text + "\n").encode("utf-8", errors="backslashreplace")


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def append_jsonl(
    path: str | os.PathLike[str],
    record: dict[str, Any],
    *,
    fsync: bool = True,
    secrets: set[str] | None = None,
) -> None:
    """Append ``record`` as one line, durably (one ``O_APPEND`` write, then ``fsync``); ``secrets``
    (default: every secret hermes knows of) are masked."""
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        _write_all(fd, _line(record, secrets))
        if fsync:
            os.fsync(fd)
    finally:
        os.close(fd)


class JsonlWriter:
    """An open JSONL file for many appends from many threads; each record is flushed and fsynced."""

    def __init__(
        self, path: str | os.PathLike[str], *, fsync: bool = True, secrets: set[str] | None = None
    ) -> None:
        self.path = os.fspath(path)
        self.fsync = fsync
        self._lock = threading.Lock()
        self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        if secrets is None:
            from hermes_core.secrets import secret_values

            secrets = secret_values()  # once: looking them up reads ~/.hermes/.env
        self._secrets = secrets

    def append(self, record: dict[str, Any]) -> None:
        data = _line(record, self._secrets)
        with self._lock:
            _write_all(self._fd, data)
            if self.fsync:
                os.fsync(self._fd)

    def close(self) -> None:
        with self._lock:
            if self._fd >= 0:
                os.close(self._fd)
                self._fd = -1

    def __enter__(self) -> JsonlWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def repair_jsonl(path: str | os.PathLike[str]) -> int:
    """Cut a torn last line (no trailing newline) off ``path``; returns the bytes removed."""
    try:
        fd = os.open(path, os.O_RDWR)
    except FileNotFoundError:
        return 0
    try:
        size = os.fstat(fd).st_size
        if size == 0:
            return 0
        os.lseek(fd, size - 1, os.SEEK_SET)
        if os.read(fd, 1) == b"\n":
            return 0
        keep, block = 0, 65536  # scan backwards for the last newline
        position = size
        while position > 0:
            start = max(0, position - block)
            os.lseek(fd, start, os.SEEK_SET)
            chunk = os.read(fd, position - start)
            index = chunk.rfind(b"\n")
            if index >= 0:
                keep = start + index + 1
                break
            position = start
        os.ftruncate(fd, keep)
        os.fsync(fd)
        return size - keep
    finally:
        os.close(fd)


def read_jsonl(path: str | os.PathLike[str]) -> Iterator[dict[str, Any]]:
    """Records of ``path`` (none if missing), skipping a torn or unparsable line."""
    if not os.path.exists(path):
        return
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if not line.endswith("\n"):
                break
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict):
                yield record
