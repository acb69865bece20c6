"""The env verifiers runs a hermes taskset in: its one ``agent`` seat defaults to the ``subprocess`` runtime.

verifiers' default runtime is a remote Prime sandbox; the hermes harness needs none (its loop runs in the
eval process and the tools in the hermes backend's sandbox), so the seat defaults to the local, idle
runtime and ``vf-eval`` needs no ``--env.agent.runtime.type``. Any other runtime can still be chosen.
"""

from __future__ import annotations

import verifiers.v1 as vf


class HermesEnvConfig(vf.SingleAgentEnvConfig):
    agent: vf.AgentConfig = vf.AgentConfig(runtime=vf.SubprocessConfig())


class HermesEnv(vf.Env[HermesEnvConfig]):
    """verifiers' single-agent env (``SingleAgentEnv``, which is not generic) with the hermes defaults."""

    async def run(self, task: vf.Task, agents: vf.Agents) -> None:
        await agents.agent.run(task)
