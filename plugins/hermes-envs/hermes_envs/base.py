"""``HermesAgentBaseEnv``: an atroposlib environment whose rollouts are hermes agent-loop runs.

A subclass says what a task is (``setup``, ``get_next_item``, ``format_prompt``), how to score a finished
trajectory (``compute_reward(item, result, ctx)``) and how to evaluate; the base runs the agent loop once
per rollout with a fresh ``task_id``, scores it, releases the task's sandbox on every path, and hands
atroposlib a scored group (tokens, masks, scores, messages).

Two ways to get tokens:

- **Phase 1** - any OpenAI-compatible server. Tool calls come back natively; tokens and masks are
  rebuilt from the tokenizer's chat template (:mod:`hermes_envs.tokens`). Good for evaluation, SFT
  data and off-policy work.
- **Phase 2** - a server that returns token ids and logprobs (``server_type`` vllm / sglang):
  atroposlib's ``ManagedServer`` tracks the exact sequence, and tool calls are parsed client-side by a
  hermes parser plugin (:mod:`hermes_envs.managed`), so vLLM need not be installed here.

Phase 2 is used whenever the server can give tokens (``use_managed_server`` forces it on or off); when it
cannot, the env falls back to phase 1 and logs why, once.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import os
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from atroposlib.envs.base import BaseEnv, ScoredDataGroup
from atroposlib.envs.server_handling.server_baseline import APIServerConfig

from hermes_agent_loop.clients import AtroposChatClient
from hermes_core.registry import UnknownName
from hermes_core.sandboxes import cleanup_task
from hermes_envs.atropos_config import (
    DEFAULT_BASE_URL,
    DEFAULT_MODEL,
    HermesAgentEnvConfig,
    is_list_annotation,
    server_config_from_env,
)
from hermes_envs.contract import EpisodeStart
from hermes_envs.episode import new_task_id, prepare_sandbox, tools_for
from hermes_envs.managed import KeepSpecialTokens, ManagedChatClient
from hermes_envs.rollouts import Rollout, jsonable_messages, rollout_stats, summarise
from hermes_envs.tokens import tokenize_trajectory
from hermes_envs.tool_context import ToolContext

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_MODEL",
    "HermesAgentBaseEnv",
    "HermesAgentEnvConfig",
    "Rollout",
    "is_list_annotation",
    "jsonable_messages",
    "rollout_stats",
    "server_config_from_env",
    "summarise",
]

log = logging.getLogger("hermes.envs")


class HermesAgentBaseEnv(BaseEnv):
    """Base class for hermes RL environments; see the module docstring."""

    name: str | None = None
    env_config_cls = HermesAgentEnvConfig

    def __init__(
        self, config: HermesAgentEnvConfig, server_configs: Any, slurm: bool = False, testing: bool = False
    ):
        super().__init__(config, server_configs, slurm=slurm, testing=testing)
        self._export_terminal_settings()
        self._tools: list[dict[str, Any]] | None = None
        self._tool_names: list[str] = []
        self._parser = None
        self._phase2_off: str | None = None
        self._phase2_checked = False
        self._executor_loop: Any = None
        self._consecutive_failures = 0
        self._train_stats: list[dict[str, Any]] = []
        self._eval_metrics: dict[str, Any] = {}

    # -- what subclasses implement ----------------------------------------------------------------------

    def format_prompt(self, item: Any) -> str | list[dict[str, Any]]:
        """The user message for ``item`` (or the whole initial message list)."""
        raise NotImplementedError

    async def compute_reward(self, item: Any, result: Any, ctx: ToolContext) -> float:
        """Score a finished trajectory; ``ctx`` reaches into the rollout's sandbox. Sync is fine too."""
        raise NotImplementedError

    # -- configuration defaults ---------------------------------------------------------------------------

    @classmethod
    def config_init(cls) -> tuple[HermesAgentEnvConfig, list[APIServerConfig]]:
        """Defaults that do not trip people: ``wandb_name`` is the env's name (``serve`` needs one) and
        the server comes from ``ATROPOS_SERVER_*`` (as a one-element list, which atroposlib requires)."""
        return cls.env_config_cls(wandb_name=cls.name), [server_config_from_env()]

    def _export_terminal_settings(self) -> None:
        """Sandboxes are made by the core's per-task table, which reads hermes-agent's variables."""
        os.environ["TERMINAL_ENV"] = self.config.terminal_backend
        if self.config.terminal_timeout is not None:
            os.environ["TERMINAL_TIMEOUT"] = str(self.config.terminal_timeout)
        if self.config.terminal_lifetime is not None:
            os.environ["TERMINAL_LIFETIME_SECONDS"] = str(int(self.config.terminal_lifetime))

    # -- tools ------------------------------------------------------------------------------------------

    def _resolve_tools(self) -> None:
        from hermes_core.plugins import get_hermes

        hermes = get_hermes()
        names = hermes.toolsets.resolve_many(self.config.enabled_toolsets, self.config.disabled_toolsets)
        available = hermes.tools.available(names)
        missing = {
            n: (hermes.tools.get(n).unavailable_reason() if n in hermes.tools else "not installed")
            for n in names
            if n not in available
        }
        if missing:
            log.warning(
                "tools left out of %s: %s", self.name, "; ".join(f"{n}: {r}" for n, r in missing.items())
            )
        self._tool_names = list(available)
        self._tools = hermes.tools.openai_tools(self._tool_names)
        try:
            self._parser = hermes.parser(self.config.tool_call_parser, tools=self._tools)
        except UnknownName as exc:  # phase 1 still works with native tool calls; phase 2 cannot
            self._parser = None
            log.warning("%s: %s; raw completions cannot be parsed for tool calls", self.name, exc)

    @property
    def tools(self) -> list[dict[str, Any]]:
        """OpenAI ``tools=`` definitions offered to the model (resolved from the toolsets on first use)."""
        if self._tools is None:
            self._resolve_tools()
        return self._tools or []

    @property
    def tool_names(self) -> list[str]:
        self.tools  # noqa: B018 - resolves on first use
        return self._tool_names

    @property
    def model_name(self) -> str:
        servers = getattr(self.server, "servers", None) or []
        config = getattr(servers[0], "config", None) if servers else None
        return getattr(config, "model_name", None) or DEFAULT_MODEL

    # -- phases -----------------------------------------------------------------------------------------

    def phase2_unavailable_reason(self) -> str | None:
        """``None`` when rollouts use phase 2, else why they use phase 1 (logged once)."""
        if not self._phase2_checked:
            self._phase2_checked = True
            self._phase2_off = self._why_no_phase2()
            if self._phase2_off:
                level = logging.WARNING if self.config.use_managed_server else logging.INFO
                log.log(
                    level,
                    "%s: phase 1 (tokens rebuilt from the chat template): %s",
                    self.name,
                    self._phase2_off,
                )
        return self._phase2_off

    def _why_no_phase2(self) -> str | None:
        if self.config.use_managed_server is False:
            return "use_managed_server is off"
        self.tools  # noqa: B018 - resolves the parser too
        if self._parser is None:
            return f"tool-call parser {self.config.tool_call_parser!r} is not installed"
        from atroposlib.envs.server_handling.openai_server import OpenAIServer
        from atroposlib.envs.server_handling.server_harness import ServerHarness
        from atroposlib.envs.server_handling.trl_vllm_server import TrlVllmServer

        servers = getattr(self.server, "servers", None) or []
        if getattr(self.server, "use_proxy", False):
            return "a ManagedServer proxy is configured; hermes drives ManagedServer in-process"
        if any(isinstance(s, ServerHarness) for s in servers):
            return "atroposlib's testing harness has no token ids"
        if any(isinstance(s, OpenAIServer) for s in servers):
            return "server_type 'openai' cannot return token ids or logprobs (vllm / sglang can)"
        if any(isinstance(s, TrlVllmServer) for s in servers):
            return "atroposlib's trl server does not return token ids or logprobs"
        return None

    def _disable_phase2(self, reason: str) -> None:
        if self._phase2_off is None:  # concurrent rollouts find out together: say it once
            log.warning("%s: falling back to phase 1: %s", self.name, reason)
        self._phase2_checked, self._phase2_off = True, self._phase2_off or reason

    def _ensure_executor(self) -> None:
        """Size the executors tools and sandbox commands run in (``tool_pool_size``), hundreds at once:
        the shared tool executor that dispatch uses, and the loop's default one (``to_thread``)."""
        from hermes_core.tools import set_tool_workers

        set_tool_workers(self.config.tool_pool_size)
        loop = asyncio.get_running_loop()
        if self._executor_loop is not loop:
            previous = getattr(loop, "_default_executor", None)  # e.g. made by setup()'s to_thread
            loop.set_default_executor(
                ThreadPoolExecutor(max_workers=self.config.tool_pool_size, thread_name_prefix="hermes-tool")
            )
            if previous is not None:
                previous.shutdown(wait=False)
            self._executor_loop = loop

    # -- one rollout ------------------------------------------------------------------------------------

    def episode_start(self, item: Any) -> EpisodeStart:
        """How the rollout for ``item`` starts: the messages, the configured toolsets and turn limit (the
        contract adapter, :mod:`hermes_envs.atropos`, asks its environment instead)."""
        return EpisodeStart(
            messages=self.initial_messages(item),
            toolsets=tuple(self.config.enabled_toolsets),
            max_turns=self.config.max_agent_turns,
        )

    def tools_for_episode(self, start: EpisodeStart) -> list[dict[str, Any]]:
        """The configured tools, or the episode's own when it names other toolsets."""
        if list(start.toolsets) == list(self.config.enabled_toolsets):
            return self.tools
        return tools_for(start.toolsets)

    def initial_messages(self, item: Any) -> list[dict[str, Any]]:
        prompt = self.format_prompt(item)
        if isinstance(prompt, list):
            return [dict(m) for m in prompt]
        messages = (
            [{"role": "system", "content": self.config.system_prompt}] if self.config.system_prompt else []
        )
        return [*messages, {"role": "user", "content": prompt}]

    def _agent_loop(self, client: Any, task_id: str, start: EpisodeStart, *, native_tools: bool) -> Any:
        from hermes_agent_loop import AgentLoop

        tools = self.tools_for_episode(start)
        return AgentLoop(
            client,
            model=self.model_name,
            tools=tools,
            valid_tool_names={t["function"]["name"] for t in tools},
            max_turns=start.max_turns,
            task_id=task_id,
            temperature=self.config.agent_temperature,
            max_tokens=self.config.agent_max_tokens
            or (None if native_tools else self.config.max_token_length),
            extra_body=self.config.extra_body,
            max_context_tokens=self.config.max_context_tokens,
            tool_call_parser=self.config.tool_call_parser if native_tools and self._parser else None,
            tokenizer=self.tokenizer,
            tool_timeout=self.config.tool_timeout,
        )

    async def _run_phase1(self, start: EpisodeStart, task_id: str, split: str) -> Rollout:
        client = AtroposChatClient(self.server, split=split)
        loop = self._agent_loop(client, task_id, start, native_tools=True)
        result = await loop.run(start.messages)
        tokens, masks = await asyncio.to_thread(
            tokenize_trajectory, self.tokenizer, result.messages, loop.tools
        )
        return Rollout(task_id=task_id, result=result, tokens=tokens, masks=masks, phase=1)

    async def _run_phase2(self, start: EpisodeStart, task_id: str, split: str) -> Rollout | None:
        """A phase-2 rollout, or ``None`` when the server turned out unable to give tokens."""
        async with self.server.managed_server(tokenizer=KeepSpecialTokens(self.tokenizer)) as managed:
            client = ManagedChatClient(
                managed, self.tokenizer, self._parser, model=self.model_name, split=split
            )
            loop = self._agent_loop(client, task_id, start, native_tools=False)
            result = await loop.run(start.messages)
            if client.unsupported is not None:
                self._disable_phase2(f"the server cannot return token ids: {client.unsupported}")
                return None
            traced = client.trajectory()
        if traced is None:
            return Rollout(task_id=task_id, result=result, phase=2)
        tokens, masks, logprobs = traced
        return Rollout(task_id=task_id, result=result, tokens=tokens, masks=masks, logprobs=logprobs, phase=2)

    async def run_agent(self, item: Any, split: str = "train") -> Rollout:
        """Run the agent on ``item`` in a fresh sandbox, score it, and release the sandbox on every path."""
        self._ensure_executor()
        task_id = new_task_id(self.name)
        try:
            start = self.episode_start(item)
            prepare_sandbox(task_id, start)
            rollout = None
            if self.phase2_unavailable_reason() is None:
                rollout = await self._run_phase2(start, task_id, split)
                if rollout is None:  # fell back: start over in a clean sandbox
                    await asyncio.to_thread(cleanup_task, task_id)
                    prepare_sandbox(task_id, start)
            if rollout is None:
                rollout = await self._run_phase1(start, task_id, split)
            result = rollout.result
            if not any(m.get("role") == "assistant" for m in rollout.messages):
                rollout.failed = f"no model reply: {getattr(result, 'error', None) or 'unknown error'}"
                return rollout
            reward = self.compute_reward(item, result, ToolContext(task_id))
            if inspect.isawaitable(reward):
                reward = await reward
            rollout.reward = float(reward)
            return rollout
        finally:
            await asyncio.to_thread(cleanup_task, task_id)

    # -- atroposlib's side ------------------------------------------------------------------------------

    async def collect_trajectories(self, item: Any) -> tuple[ScoredDataGroup | None, list[Any]]:
        size = self.config.group_size
        outcomes = await asyncio.gather(*(self.run_agent(item) for _ in range(size)), return_exceptions=True)
        problems = []
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                log.error("%s: rollout raised", self.name, exc_info=outcome)
                problems.append(f"{type(outcome).__name__}: {outcome}")
            elif outcome.failed:
                problems.append(outcome.failed)
        if problems:
            self._consecutive_failures += 1
            log.warning(
                "%s: dropping a group, %d of %d rollouts failed: %s",
                self.name,
                len(problems),
                size,
                problems[0],
            )
            if self._consecutive_failures >= self.config.max_consecutive_failures:
                raise RuntimeError(
                    f"{self.name}: {self._consecutive_failures} groups in a row failed; last: {problems[0]}"
                )
            return None, []
        self._consecutive_failures = 0
        rollouts: list[Rollout] = list(outcomes)  # type: ignore[arg-type]
        for rollout in rollouts:
            self._train_stats.append(rollout_stats(rollout))
        group = ScoredDataGroup(
            tokens=[r.tokens for r in rollouts],
            masks=[r.masks for r in rollouts],
            scores=[r.reward for r in rollouts],
            messages=[jsonable_messages(r.messages) for r in rollouts]
            if self.config.include_messages
            else None,
            inference_logprobs=[r.logprobs for r in rollouts] if all(r.logprobs for r in rollouts) else None,
        )
        return group, []

    async def evaluate_items(self, items: list[Any], prefix: str = "eval") -> dict[str, float]:
        """Run the agent on ``items`` (at most ``max_eval_workers`` at once) and report the mean reward.

        The metrics go to wandb with the next log and, when ``data_dir_to_save_evals`` is set, to atroposlib's
        ``metrics.json`` / ``samples.jsonl``.
        """
        start = time.time()
        limit = asyncio.Semaphore(max(1, self.config.max_eval_workers))

        async def one(item: Any) -> Rollout | BaseException:
            async with limit:
                try:
                    return await self.run_agent(item, split="eval")
                except Exception as exc:
                    log.error("%s: eval rollout raised", self.name, exc_info=exc)
                    return exc

        outcomes = await asyncio.gather(*(one(i) for i in items))
        scored = [o for o in outcomes if isinstance(o, Rollout) and not o.failed]
        stats = [rollout_stats(r) for r in scored]
        metrics = {f"{prefix}/{k}": v for k, v in summarise(stats).items()}
        metrics[f"{prefix}/percent_correct"] = metrics.get(f"{prefix}/reward_mean", 0.0)
        metrics[f"{prefix}/failed_rollouts"] = len(outcomes) - len(scored)
        self._eval_metrics.update(metrics)
        samples = [
            {"messages": jsonable_messages(r.messages), "score": r.reward, "task_id": r.task_id}
            for r in scored
        ]
        await self.evaluate_log(metrics, start_time=start, end_time=time.time(), samples=samples)
        return metrics

    def agent_metrics(self, reset: bool = True) -> dict[str, float]:
        """Training metrics since the last call: reward, turns, tool calls and their error rates."""
        stats = self._train_stats
        if reset:
            self._train_stats = []
        return {f"train/{k}": v for k, v in summarise(stats).items()}

    async def wandb_log(self, wandb_metrics: dict[str, Any] | None = None) -> None:
        wandb_metrics = dict(wandb_metrics or {})
        wandb_metrics.update(self.agent_metrics())
        wandb_metrics.update(self._eval_metrics)
        self._eval_metrics = {}
        await super().wandb_log(wandb_metrics)
