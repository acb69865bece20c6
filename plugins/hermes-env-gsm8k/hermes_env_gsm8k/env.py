"""The GSM8K environment: train on the train split, evaluate on the test split."""

from __future__ import annotations

import asyncio
import random
from typing import Any

from pydantic import Field

from hermes_env_gsm8k.data import load_split
from hermes_env_gsm8k.scoring import gold_answer, score_answer
from hermes_envs.base import HermesAgentBaseEnv, HermesAgentEnvConfig
from hermes_envs.tool_context import ToolContext

SYSTEM_PROMPT = (
    "You solve grade-school math word problems. You have a `python` tool: use it for any arithmetic "
    "instead of computing in your head. When you are done, give the final answer as a number in "
    "\\boxed{}, for example \\boxed{42}."
)


class GSM8KEnvConfig(HermesAgentEnvConfig):
    enabled_toolsets: list[str] = Field(default_factory=lambda: ["gsm8k"], description="Toolsets offered.")
    system_prompt: str | None = Field(default=SYSTEM_PROMPT, description="System message for each problem.")
    max_agent_turns: int = Field(default=8, description="Model calls per problem.")
    data_source: str = Field(
        default="package",
        description="'package' (the splits shipped with the plugin), 'hub' (openai/gsm8k), or a directory.",
    )
    eval_limit: int | None = Field(default=None, description="Evaluate on the first N test problems only.")
    seed: int = Field(default=0, description="Seed for the order of training problems.")


class GSM8KEnv(HermesAgentBaseEnv):
    """GSM8K math with a sandboxed Python tool; reward 1.0 / 0.0 by math-verify on the boxed answer."""

    name = "gsm8k"
    env_config_cls = GSM8KEnvConfig

    async def setup(self) -> None:
        self.train = await asyncio.to_thread(load_split, "train", self.config.data_source)
        self.test = await asyncio.to_thread(load_split, "test", self.config.data_source)
        random.Random(self.config.seed).shuffle(self.train)
        self.position = 0

    async def get_next_item(self) -> dict[str, str]:
        row = self.train[self.position % len(self.train)]
        self.position += 1
        return {"question": row["question"], "gold": gold_answer(row["answer"])}

    def format_prompt(self, item: dict[str, str]) -> str:
        return item["question"]

    async def compute_reward(self, item: dict[str, str], result: Any, ctx: ToolContext) -> float:
        return score_answer(getattr(result, "final_response", None), item["gold"])

    async def evaluate(self, *args: Any, **kwargs: Any) -> dict[str, float]:
        rows = self.test if self.config.eval_limit is None else self.test[: self.config.eval_limit]
        items = [{"question": r["question"], "gold": gold_answer(r["answer"])} for r in rows]
        return await self.evaluate_items(items)
