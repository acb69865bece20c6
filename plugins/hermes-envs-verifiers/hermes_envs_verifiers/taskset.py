"""A hermes contract environment as a verifiers taskset: rows become tasks, the score becomes the reward.

verifiers 0.4 (``verifiers.v1``) splits an environment into a *taskset* (the tasks and how each is scored)
and a *harness* (the agent loop). Each task here carries the environment's name, its settings and the
dataset row, so any verifiers process (``vf-eval``, an env server worker) rebuilds it from the wire data
alone. Its one ``@vf.reward`` scores the conversation verifiers recorded (``trace.messages``) with the
environment's own :meth:`~hermes_envs.contract.Environment.score`, in the sandbox the episode's tool
calls ran in (:mod:`hermes_envs_verifiers.harness`); other named floats of the score become metrics.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from typing import Any

import verifiers.v1 as vf
from pydantic import Field
from verifiers.v1.dialects.chat import message_to_wire, parse_message

from hermes_core.registry import HermesError
from hermes_envs.contract import Environment, load_environment, named_scores, reward_of
from hermes_envs.episode import new_task_id
from hermes_envs.tool_context import ToolContext


@functools.cache
def _environment(name: str, settings_json: str) -> Environment:
    return load_environment(name, json.loads(settings_json))


def environment_for(name: str, settings: dict[str, Any]) -> Environment:
    """One instance per environment and settings (an environment serves many concurrent episodes)."""
    if not name:
        raise HermesError(
            "no hermes environment named: pass --env.taskset.environment NAME (hermes env list)"
        )
    return _environment(name, json.dumps(settings, sort_keys=True))


class HermesTaskData(vf.TaskData):
    """A task's wire data: the prompt (the episode's starting messages) plus what rebuilds the episode."""

    environment: str = ""
    """The hermes environment's registered name (``hermes env list``)."""
    settings: dict[str, Any] = Field(default_factory=dict)
    """Its settings (``--env.KEY VALUE`` elsewhere)."""
    row: dict[str, Any] = Field(default_factory=dict)
    """The dataset row: the task itself."""


class HermesTask(vf.Task[HermesTaskData]):
    @property
    def environment(self) -> Environment:
        return environment_for(self.data.environment, self.data.settings)

    @vf.reward
    async def reward(self, trace: vf.Trace) -> float:
        """The environment's score of the recorded conversation (its ``reward``; other names: metrics)."""
        from hermes_envs_verifiers.harness import live_episode

        conversation = [message_to_wire(message) for message in trace.messages]
        episode = live_episode(trace.id)
        sandbox = episode.sandbox if episode is not None else ToolContext(new_task_id(self.data.environment))
        try:
            score = await self.environment.score(self.data.row, conversation, sandbox)
        finally:
            if episode is None:
                sandbox.cleanup()
        extra = {k: v for k, v in named_scores(score).items() if k != "reward"}
        if extra:
            trace.record_metrics(extra)
        return reward_of(score)


class HermesTasksetConfig(vf.TasksetConfig):
    environment: str = ""
    """Which hermes environment (``--env.taskset.environment gsm8k``)."""
    split: str = "train"
    """Which of its splits the tasks come from (``--env.taskset.split test``)."""
    settings: dict[str, Any] = Field(default_factory=dict)
    """The environment's settings, validated by its ``Settings`` model."""


class HermesTaskset(vf.Taskset[HermesTask, HermesTasksetConfig]):
    """Every row of one split of a hermes environment, in the environment's order."""

    def load(self) -> Iterator[HermesTask]:
        config = self.config
        environment = environment_for(config.environment, config.settings)
        for index, row in enumerate(environment.rows(config.split)):
            start = environment.start(row)
            data = HermesTaskData(
                name=f"{environment.name}/{config.split}/{index}",
                prompt=[parse_message(dict(message)) for message in start.messages],
                environment=config.environment,
                settings=dict(config.settings),
                row=dict(row),
            )
            yield HermesTask(data, config.task)
