"""The agent loop, its result types, argument normalisation, truncation and trajectories.

``import hermes_agent_loop`` imports neither openai nor atroposlib: clients are passed in.
"""

from __future__ import annotations

from hermes_agent_loop.loop import AgentEvent, AgentLoop, AgentResult, tool_executor
from hermes_agent_loop.metrics import ToolCallMetrics, ToolError

__all__ = ["AgentEvent", "AgentLoop", "AgentResult", "ToolCallMetrics", "ToolError", "tool_executor"]
