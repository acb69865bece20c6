"""Terminal tasks as a trainer-independent environment: the score reads the file back from the sandbox."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from hermes_env_terminal_tasks.tasks import load_tasks, score_content
from hermes_envs.contract import Environment, EnvironmentSettings, EpisodeStart, Row

SYSTEM_PROMPT = (
    "You are working in a fresh sandbox. Use the terminal and file tools to do the task, then reply with "
    "a one-line summary of what you did."
)


class TerminalTasksSettings(EnvironmentSettings):
    tasks_file: str | None = Field(
        default=None, description="JSONL of {prompt, path, expected}; default built-in."
    )
    system_prompt: str | None = Field(default=SYSTEM_PROMPT, description="System message for each task.")


class TerminalTasks(Environment):
    """Create a file with given content in a sandbox; 1.0 exact, 0.5 contains, 0.0 otherwise."""

    name = "terminal_tasks"
    Settings = TerminalTasksSettings
    toolsets = ("terminal", "file")
    max_turns = 10

    def rows(self, split: str = "train") -> list[dict[str, Any]]:
        return [task.to_dict() for task in load_tasks(self.settings.tasks_file)]

    def start(self, row: Row) -> EpisodeStart:
        prompt = self.settings.system_prompt
        system = [{"role": "system", "content": prompt}] if prompt else []
        return self.episode([*system, {"role": "user", "content": row["prompt"]}])

    async def score(self, row: Row, conversation: list[dict[str, Any]], sandbox: Any) -> float:
        try:
            content = await sandbox.read_file(row["path"])
        except FileNotFoundError:
            return 0.0
        return score_content(content, row["expected"])
