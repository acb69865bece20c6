"""The agent loop, its result types, argument normalisation, truncation and trajectories.

Heavy pieces load on first attribute access so ``import hermes_core.agent`` stays cheap.
"""

from __future__ import annotations

from hermes_core.agent.loop import AgentEvent, AgentLoop, AgentResult, tool_executor
from hermes_core.agent.metrics import ToolCallMetrics, ToolError

__all__ = ["AgentEvent", "AgentLoop", "AgentResult", "ToolCallMetrics", "ToolError", "tool_executor"]
