"""The harness that plays a hermes episode inside verifiers: the model through verifiers' interception,
the tools through the hermes core in the episode's own sandbox.

verifiers' harnesses are usually programs in a runtime with tools served over MCP; its contract is the
interception, not the process ("a harness may run its loop in-process instead of launching a program, as
long as every model call goes through ``endpoint`` + ``secret``", ``verifiers.v1.harness.Harness.launch``).
Running the loop in the eval process keeps the tool calls and the scoring in one process, so the
environment's ``score`` reads the very sandbox the agent used, on whatever hermes backend
(``TERMINAL_ENV``) runs it. The episode lives from ``launch`` until ``cleanup`` (after scoring).
"""

from __future__ import annotations

import openai
import verifiers.v1 as vf
from verifiers.v1.runtimes import ProgramResult

from hermes_envs.episode import Episode
from hermes_envs_verifiers.taskset import environment_for

_EPISODES: dict[str, Episode] = {}
"""Running episodes by verifiers trace id: the task's reward scores in the episode's sandbox."""


def live_episode(trace_id: str) -> Episode | None:
    return _EPISODES.get(trace_id)


class HermesHarnessConfig(vf.HarnessConfig):
    pass


class HermesHarness(vf.Harness[HermesHarnessConfig]):
    """The default harness of :class:`~hermes_envs_verifiers.taskset.HermesTaskset` (verifiers picks the
    harness a taskset's package exports): one :class:`~hermes_envs.episode.Episode` per rollout."""

    APPENDS_SYSTEM_PROMPT = True
    NEEDS_CONTAINER = False  # the sandbox is the hermes backend's, not verifiers' runtime

    async def launch(
        self,
        ctx: vf.ModelContext,
        trace: vf.Trace,
        runtime: vf.Runtime,
        endpoint: str,
        secret: str,
        mcp_urls: dict[str, str],
        data: vf.TaskData,
        **_: object,
    ) -> ProgramResult:
        fields = data.model_dump()
        environment = environment_for(fields.get("environment") or "", fields.get("settings") or {})
        episode = _EPISODES.get(trace.id)
        if episode is None:
            episode = _EPISODES[trace.id] = Episode(environment, fields.get("row") or {})
        tools = {"tools": episode.tools} if episode.tools else {}
        async with openai.AsyncOpenAI(base_url=endpoint, api_key=secret) as client:
            while not episode.done:
                try:
                    completion = await client.chat.completions.create(
                        model=ctx.model, messages=episode.messages, **tools
                    )
                except openai.APIStatusError:
                    if trace.stop_condition is not None:  # a verifiers limit or @stop refused the turn
                        break
                    raise
                await episode.step(completion.choices[0].message)
        return ProgramResult(exit_code=0, stdout="", stderr="")

    async def cleanup(self, trace: vf.Trace, runtime: vf.Runtime) -> None:
        episode = _EPISODES.pop(trace.id, None)
        if episode is not None:
            await episode.close()
