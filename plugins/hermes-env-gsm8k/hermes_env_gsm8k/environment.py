"""GSM8K as a trainer-independent environment (:class:`hermes_envs.contract.Environment`).

A row is ``{"question", "gold"}``; the agent gets the ``python`` tool (run in the episode's sandbox) and
scores 1.0 when the last ``\\boxed{}`` of its final answer equals ``gold`` (:mod:`.scoring`), else 0.0.
"""

from __future__ import annotations

import asyncio
from typing import Any

from pydantic import Field

from hermes_env_gsm8k.data import load_split
from hermes_env_gsm8k.scoring import gold_answer, score_answer
from hermes_envs.contract import Environment, EnvironmentSettings, EpisodeStart, Row, final_answer

SYSTEM_PROMPT = (
    "You solve grade-school math word problems. You have a `python` tool: use it for any arithmetic "
    "instead of computing in your head. When you are done, give the final answer as a number in "
    "\\boxed{}, for example \\boxed{42}."
)


class GSM8KSettings(EnvironmentSettings):
    data_source: str = Field(
        default="package",
        description="'package' (the splits shipped with the plugin), 'hub' (openai/gsm8k), or a directory.",
    )
    system_prompt: str | None = Field(default=SYSTEM_PROMPT, description="System message for each problem.")


class GSM8K(Environment):
    """GSM8K math word problems with a sandboxed Python tool; reward by math-verify on the boxed answer."""

    name = "gsm8k"
    Settings = GSM8KSettings
    splits = ("train", "test")
    toolsets = ("gsm8k",)
    max_turns = 8

    def __init__(self, settings: Any = None, **values: Any) -> None:
        super().__init__(settings, **values)
        self._rows: dict[str, list[dict[str, str]]] = {}

    def rows(self, split: str = "train") -> list[dict[str, str]]:
        if split not in self._rows:
            self._rows[split] = [
                {"question": r["question"], "gold": gold_answer(r["answer"])}
                for r in load_split(split, self.settings.data_source)
            ]
        return self._rows[split]

    def start(self, row: Row) -> EpisodeStart:
        prompt = self.settings.system_prompt
        system = [{"role": "system", "content": prompt}] if prompt else []
        return self.episode([*system, {"role": "user", "content": row["question"]}])

    async def score(self, row: Row, conversation: list[dict[str, Any]], sandbox: Any) -> float:
        # math-verify is CPU work (its first parse takes ~0.5 s): off the event loop other episodes share
        return await asyncio.to_thread(score_answer, final_answer(conversation), str(row["gold"]))
