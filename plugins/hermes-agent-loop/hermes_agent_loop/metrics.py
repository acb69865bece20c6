"""Tool-call metrics: what RL rewards and data filters look at (did the model call tools well?)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["ToolCallMetrics", "ToolError", "ToolStats"]

_TOTALS = ("attempted", "schema_valid", "executed_ok", "execution_errors", "unknown_tools", "timeouts")


@dataclass(slots=True)
class ToolStats:
    """Counts for one tool name."""

    attempted: int = 0
    schema_valid: int = 0
    executed_ok: int = 0
    execution_errors: int = 0
    seconds: float = 0.0


@dataclass
class ToolCallMetrics:
    """Counts over one run (or, merged, over many).

    ``schema_valid`` excludes calls whose arguments had to be coerced (double-encoded JSON, plain text),
    that miss required keys or carry wrongly typed ones, and calls to unknown tools. ``execution_errors``
    counts every call whose result was ``{"error": ...}`` (unknown tool, bad arguments, raise, timeout).
    """

    attempted: int = 0
    schema_valid: int = 0
    executed_ok: int = 0
    execution_errors: int = 0
    unknown_tools: int = 0
    timeouts: int = 0
    per_tool: dict[str, ToolStats] = field(default_factory=dict)

    def record(
        self,
        tool: str,
        *,
        schema_valid: bool,
        ok: bool,
        unknown: bool = False,
        timed_out: bool = False,
        seconds: float = 0.0,
    ) -> None:
        self.attempted += 1
        self.schema_valid += schema_valid
        self.executed_ok += ok
        self.execution_errors += not ok
        self.unknown_tools += unknown
        self.timeouts += timed_out
        stats = self.per_tool.get(tool)
        if stats is None:
            stats = self.per_tool[tool] = ToolStats()
        stats.attempted += 1
        stats.schema_valid += schema_valid
        stats.executed_ok += ok
        stats.execution_errors += not ok
        stats.seconds += seconds

    def merge(self, other: ToolCallMetrics | dict[str, Any]) -> ToolCallMetrics:
        """Add ``other`` (metrics or their ``to_dict()``) into this one; returns ``self``."""
        if isinstance(other, ToolCallMetrics):
            other = other.to_dict()
        for key in _TOTALS:
            setattr(self, key, getattr(self, key) + int(other.get(key) or 0))
        for tool, counts in (other.get("per_tool") or {}).items():
            stats = self.per_tool.setdefault(tool, ToolStats())
            for key in ("attempted", "schema_valid", "executed_ok", "execution_errors"):
                setattr(stats, key, getattr(stats, key) + int(counts.get(key) or 0))
            stats.seconds += float(counts.get("seconds") or 0.0)
        return self

    @property
    def schema_valid_rate(self) -> float | None:
        return self.schema_valid / self.attempted if self.attempted else None

    @property
    def success_rate(self) -> float | None:
        return self.executed_ok / self.attempted if self.attempted else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "attempted": self.attempted,
            "schema_valid": self.schema_valid,
            "executed_ok": self.executed_ok,
            "execution_errors": self.execution_errors,
            "unknown_tools": self.unknown_tools,
            "timeouts": self.timeouts,
            "per_tool": {name: asdict(stats) for name, stats in sorted(self.per_tool.items())},
        }


@dataclass(slots=True)
class ToolError:
    """One failed tool call, for debugging a model or an environment."""

    turn: int
    tool: str
    arguments: Any
    error: str
    result_excerpt: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
