"""Rollout records and the metrics over them (reward, turns, tool calls); no atroposlib here."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Rollout:
    """One agent run on one item, scored."""

    task_id: str
    result: Any
    reward: float = 0.0
    tokens: list[int] = field(default_factory=list)
    masks: list[int] = field(default_factory=list)
    logprobs: list[float] | None = None
    phase: int = 1
    failed: str | None = None
    """Why the rollout could not be scored (no model reply at all); ``None`` when it was."""

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list(getattr(self.result, "messages", None) or [])


def rollout_stats(rollout: Rollout) -> dict[str, Any]:
    result = rollout.result
    metrics = getattr(result, "metrics", None)
    tool = metrics.to_dict() if hasattr(metrics, "to_dict") else dict(metrics or {})
    return {
        "reward": rollout.reward,
        "turns": getattr(result, "turns_used", 0) or 0,
        "finished": bool(getattr(result, "finished_naturally", False)),
        "phase": rollout.phase,
        "tool": tool,
    }


def summarise(stats: list[dict[str, Any]]) -> dict[str, float]:
    """Means and rates over rollouts; empty when there were none (wandb then shows a gap, not a zero)."""
    if not stats:
        return {}
    n = len(stats)
    attempted = sum(int(s["tool"].get("attempted") or 0) for s in stats)
    out = {
        "reward_mean": sum(s["reward"] for s in stats) / n,
        "turns_mean": sum(s["turns"] for s in stats) / n,
        "finished_naturally_rate": sum(s["finished"] for s in stats) / n,
        "phase2_fraction": sum(s["phase"] == 2 for s in stats) / n,
        "tool_calls_per_rollout": attempted / n,
        "rollouts": float(n),
    }
    if attempted:
        for key in ("schema_valid", "executed_ok", "execution_errors"):
            total = sum(int(s["tool"].get(key) or 0) for s in stats)
            out[f"tool_{key}_rate"] = total / attempted
    return out


def jsonable_messages(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Messages as plain JSON dicts, each with ``content`` (atroposlib's API insists on the key)."""
    out = []
    for message in messages:
        message = message.model_dump(exclude_none=True) if hasattr(message, "model_dump") else dict(message)
        message.setdefault("content", None)
        out.append(message)
    return out
