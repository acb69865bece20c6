"""Harbor tasks as a trainer-independent RL environment (:mod:`hermes_envs.contract`).

One row per task directory; an episode is the hermes agent working in a fresh sandbox started from the
task's image (built once, in :meth:`HarborEnvironment.rows`, with the task's limits and network), with
``instruction.md`` as the user message. The score is the task's own verifier, run as in a trial
(:func:`hermes_env_harbor.verifier.verify`: ``tests/`` copied in only now, ``test.sh`` as the verifier
user, the reward file read back): the named rewards with ``reward`` as the main one. A task whose tests
cannot score (no reward file, a verifier timeout) scores 0.0, and the reason is logged.

``hermes env run harbor process --env.tasks DIR ...`` runs it through the atroposlib adapter: one group
is ``group_size`` rollouts of one task.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from pydantic import Field

from hermes_core.terminal import SandboxRequest
from hermes_env_harbor.agents import SYSTEM_PROMPT
from hermes_envs.contract import SANDBOX_TEMPLATE_ID, Environment, EnvironmentSettings, EpisodeStart, Row

log = logging.getLogger("hermes.envs.harbor")


class HarborSettings(EnvironmentSettings):
    tasks: str = Field(default="tasks", description="A Harbor task directory, or a directory of them.")
    backend: str = Field(default="docker", description="Terminal backend that starts the task images.")
    system_prompt: str | None = Field(default=SYSTEM_PROMPT, description="System message of each episode.")


class HarborEnvironment(Environment):
    """Harbor task directories (Terminal-Bench 2's format), scored by each task's tests."""

    name = "harbor"
    Settings = HarborSettings
    toolsets = ("terminal", "file")
    max_turns = 30

    def rows(self, split: str = "train") -> list[dict[str, Any]]:
        """Every runnable task under ``tasks``, its image built now (cached); a task that cannot run is
        left out with its reason logged."""
        from hermes_env_harbor.images import prepare_image
        from hermes_env_harbor.task import TrialError, find_tasks, load_task

        rows = []
        try:
            paths = find_tasks([self.settings.tasks])
        except TrialError as exc:
            from hermes_core.registry import HermesError

            raise HermesError(f"environment harbor: {exc.message}") from None
        for path in paths:
            try:
                task = load_task(path)
                prepare_image(task)
            except TrialError as exc:
                log.warning("harbor: leaving out %s: %s: %s", path.name, exc.kind, exc.message)
                continue
            rows.append({"task": str(path), "name": task.name})
        if not rows:
            from hermes_core.registry import HermesError

            raise HermesError(f"environment harbor: no runnable task under {self.settings.tasks}")
        return rows

    def start(self, row: Row) -> EpisodeStart:
        from hermes_env_harbor.images import prepare_image
        from hermes_env_harbor.sandbox import sandbox_options
        from hermes_env_harbor.task import load_task

        task = load_task(row["task"])
        image = prepare_image(task)  # built by rows(): a lookup now
        request = SandboxRequest(
            SANDBOX_TEMPLATE_ID,
            image=image.tag,
            cwd=image.workdir or "/",
            options=sandbox_options(task, image),
        )
        prompt = self.settings.system_prompt
        system = [{"role": "system", "content": prompt}] if prompt else []
        messages = [*system, {"role": "user", "content": task.instruction}]
        return self.episode(messages, sandbox=request, backend=self.settings.backend)

    async def score(self, row: Row, conversation: list[dict[str, Any]], sandbox: Any) -> dict[str, float]:
        return await asyncio.to_thread(self._verify, row, sandbox.task_id)

    def _verify(self, row: Row, task_id: str) -> dict[str, float]:
        from hermes_core.sandboxes import sandbox_for
        from hermes_env_harbor.sandbox import make_log_folders
        from hermes_env_harbor.task import TrialError, load_task
        from hermes_env_harbor.verifier import Verdict, verify

        task = load_task(row["task"])
        try:
            sandbox = sandbox_for(task_id)
            make_log_folders(sandbox)
            verdict = verify(sandbox, task, Verdict())
        except TrialError as exc:
            log.warning("harbor: %s scored 0.0: %s: %s", task.name, exc.kind, exc.message)
            return {"reward": 0.0}
        return {**verdict.rewards, "reward": float(verdict.reward or 0.0)}
