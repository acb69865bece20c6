"""The terminal-tasks environment: the reward looks into the rollout's own sandbox."""

from __future__ import annotations

import random
from typing import Any

from pydantic import Field

from hermes_env_terminal_tasks.tasks import load_tasks, score_content
from hermes_envs.base import HermesAgentBaseEnv, HermesAgentEnvConfig
from hermes_envs.tool_context import ToolContext

SYSTEM_PROMPT = (
    "You are working in a fresh sandbox. Use the terminal and file tools to do the task, then reply with "
    "a one-line summary of what you did."
)


class TerminalTasksEnvConfig(HermesAgentEnvConfig):
    enabled_toolsets: list[str] = Field(
        default_factory=lambda: ["terminal", "file"], description="Toolsets offered."
    )
    system_prompt: str | None = Field(default=SYSTEM_PROMPT, description="System message for each task.")
    max_agent_turns: int = Field(default=10, description="Model calls per task.")
    tasks_file: str | None = Field(
        default=None, description="JSONL of {prompt, path, expected}; default built-in."
    )
    seed: int = Field(default=0, description="Seed for the order of tasks.")


class TerminalTasksEnv(HermesAgentBaseEnv):
    """Create a file with given content; scored by reading it back through ``ToolContext``."""

    name = "terminal_tasks"
    env_config_cls = TerminalTasksEnvConfig

    async def setup(self) -> None:
        self.tasks = load_tasks(self.config.tasks_file)
        self.order = list(self.tasks)
        random.Random(self.config.seed).shuffle(self.order)
        self.position = 0

    async def get_next_item(self) -> dict[str, Any]:
        task = self.order[self.position % len(self.order)]
        self.position += 1
        return task.to_dict()

    def format_prompt(self, item: dict[str, Any]) -> str:
        return item["prompt"]

    async def compute_reward(self, item: dict[str, Any], result: Any, ctx: ToolContext) -> float:
        try:
            content = await ctx.read_file(item["path"])
        except FileNotFoundError:
            return 0.0
        return score_content(content, item["expected"])

    async def evaluate(self, *args: Any, **kwargs: Any) -> dict[str, float]:
        return await self.evaluate_items([t.to_dict() for t in self.tasks])
