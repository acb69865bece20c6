"""The atroposlib adapter: a contract :class:`~hermes_envs.contract.Environment` as an atroposlib env.

``atropos_env(GSM8K)`` is a :class:`~hermes_envs.base.HermesAgentBaseEnv` subclass whose config holds
the base's fields plus the environment's own settings (so ``--env.data_source DIR`` works under
``hermes env run``), whose items are the environment's rows (train split in a seeded order; ``evaluate``
on the test split when there is one) and whose reward is the environment's :func:`reward_of` score.
``enabled_toolsets`` and ``max_agent_turns`` default to the environment's own and, when set, are what its
episodes offer. Needs the ``atropos`` extra (``pip install 'hermes-envs[atropos]'``).
"""

from __future__ import annotations

import asyncio
import random
from typing import Any

from pydantic import Field, create_model

from hermes_envs.atropos_config import HermesAgentEnvConfig
from hermes_envs.base import HermesAgentBaseEnv
from hermes_envs.contract import Environment, EpisodeStart, reward_of
from hermes_envs.tool_context import ToolContext

_SHARED = ("enabled_toolsets", "max_agent_turns")
"""Config fields whose defaults come from the environment class and that the adapter hands back to it."""


class ContractEnvConfig(HermesAgentEnvConfig):
    """What every adapted environment adds: the order of training rows and an evaluation size."""

    seed: int = Field(default=0, description="Seed for the order of training rows.")
    eval_limit: int | None = Field(default=None, description="Evaluate on the first N rows only.")


def config_class(env_class: type[Environment]) -> type[ContractEnvConfig]:
    """``ContractEnvConfig`` plus ``env_class.Settings``' fields; the environment's defaults win."""
    fields: dict[str, Any] = {
        name: (info.annotation, info) for name, info in env_class.Settings.model_fields.items()
    }
    fields["enabled_toolsets"] = (
        list[str],
        Field(default_factory=lambda: list(env_class.toolsets), description="Toolsets offered."),
    )
    fields["max_agent_turns"] = (
        int,
        Field(default=env_class.max_turns, description="Model calls per episode."),
    )
    return create_model(f"{env_class.__name__}AtroposConfig", __base__=ContractEnvConfig, **fields)


class ContractAtroposEnv(HermesAgentBaseEnv):
    """The base of every adapted environment; :func:`atropos_env` makes one subclass per environment."""

    environment_class: type[Environment]

    def __init__(self, config: Any, server_configs: Any, slurm: bool = False, testing: bool = False):
        super().__init__(config, server_configs, slurm=slurm, testing=testing)
        own = set(self.environment_class.Settings.model_fields)
        self.environment = self.environment_class({k: getattr(config, k) for k in own})
        self.environment.toolsets = tuple(config.enabled_toolsets)
        self.environment.max_turns = config.max_agent_turns
        self.train: list[Any] = []
        self.test: list[Any] = []
        self.position = 0

    async def setup(self) -> None:
        env = self.environment
        self.train = list(await asyncio.to_thread(env.rows, "train"))
        self.test = list(await asyncio.to_thread(env.rows, "test")) if "test" in env.splits else []
        random.Random(self.config.seed).shuffle(self.train)
        self.position = 0

    async def get_next_item(self) -> Any:
        row = self.train[self.position % len(self.train)]
        self.position += 1
        return dict(row)

    def episode_start(self, item: Any) -> EpisodeStart:
        return self.environment.start(item)

    def format_prompt(self, item: Any) -> list[dict[str, Any]]:
        return self.environment.start(item).messages

    async def compute_reward(self, item: Any, result: Any, ctx: ToolContext) -> float:
        return reward_of(await self.environment.score(item, list(result.messages), ctx))

    async def evaluate(self, *args: Any, **kwargs: Any) -> dict[str, float]:
        rows = self.test or self.train
        limit = self.config.eval_limit
        return await self.evaluate_items([dict(r) for r in (rows if limit is None else rows[:limit])])


def atropos_env(env_class: type[Environment]) -> type[ContractAtroposEnv]:
    """The atroposlib environment class for contract environment ``env_class`` (``.cli()`` runs it)."""
    return type(
        f"{env_class.__name__}AtroposEnv",
        (ContractAtroposEnv,),
        {
            "name": env_class.name,
            "environment_class": env_class,
            "env_config_cls": config_class(env_class),
            "__doc__": env_class.__doc__,
            "__module__": env_class.__module__,
        },
    )
