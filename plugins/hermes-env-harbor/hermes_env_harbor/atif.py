"""OpenAI-format messages as ATIF, Harbor's trajectory format (``harbor.models.trajectories.Trajectory``).

One step per system, user and assistant message (``source`` system / user / agent, ``step_id`` from 1);
an assistant message's tool calls become the step's ``tool_calls`` (arguments as an object) and the tool
messages answering them its ``observation`` (``source_call_id`` = the call's id). Tested against
Harbor's own pydantic model where Harbor is installed.
"""

from __future__ import annotations

import json
from typing import Any

SCHEMA_VERSION = "ATIF-v1.6"
SOURCES = {"system": "system", "user": "user", "assistant": "agent"}


def _text(content: Any) -> str:
    if isinstance(content, list):
        return "".join(p.get("text", "") if isinstance(p, dict) else str(p) for p in content)
    return "" if content is None else str(content)


def _arguments(raw: Any) -> dict[str, Any]:
    if isinstance(raw, dict):
        return raw
    try:
        value = json.loads(raw or "{}")
    except (TypeError, ValueError):
        return {"_raw": raw}
    return value if isinstance(value, dict) else {"_value": value}


def to_atif(messages: list[dict[str, Any]], *, agent: str, version: str, model: str | None,
            session_id: str, tools: list[dict[str, Any]] | None = None) -> dict[str, Any]:  # fmt: skip
    steps: list[dict[str, Any]] = []
    for message in messages:
        role = message.get("role")
        if role == "tool":
            if steps and steps[-1]["source"] == "agent":
                observation = steps[-1].setdefault("observation", {"results": []})
                observation["results"].append(
                    {"source_call_id": message.get("tool_call_id"), "content": _text(message.get("content"))}
                )
            continue
        if role not in SOURCES:
            continue
        step: dict[str, Any] = {
            "step_id": len(steps) + 1,
            "source": SOURCES[role],
            "message": _text(message.get("content")),
        }
        if role == "assistant":
            step["model_name"] = model
            if message.get("reasoning_content"):
                step["reasoning_content"] = message["reasoning_content"]
            calls = message.get("tool_calls") or []
            if calls:
                step["tool_calls"] = [
                    {
                        "tool_call_id": call.get("id"),
                        "function_name": (call.get("function") or {}).get("name"),
                        "arguments": _arguments((call.get("function") or {}).get("arguments")),
                    }
                    for call in calls
                ]
        steps.append(step)
    return {
        "schema_version": SCHEMA_VERSION,
        "session_id": session_id,
        "agent": {"name": agent, "version": version, "model_name": model, "tool_definitions": tools or None},
        "steps": steps,
    }
