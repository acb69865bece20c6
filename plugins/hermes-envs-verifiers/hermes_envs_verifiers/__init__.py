"""hermes environments under verifiers 0.4: ``vf-eval hermes-envs-verifiers --env.taskset.environment NAME``.

verifiers resolves a taskset id to this package and takes from ``__all__`` its one ``Taskset`` subclass and,
as the default harness and env, its one ``Harness`` and ``Env`` subclasses.
"""

from hermes_envs_verifiers.env import HermesEnv, HermesEnvConfig
from hermes_envs_verifiers.harness import HermesHarness, HermesHarnessConfig
from hermes_envs_verifiers.taskset import (
    HermesTask,
    HermesTaskData,
    HermesTaskset,
    HermesTasksetConfig,
)

__all__ = [
    "HermesEnv",
    "HermesEnvConfig",
    "HermesHarness",
    "HermesHarnessConfig",
    "HermesTask",
    "HermesTaskData",
    "HermesTaskset",
    "HermesTasksetConfig",
]
