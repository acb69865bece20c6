"""Same reward everywhere: one fixed terminal-task transcript (the file is really written in the episode's
sandbox, and the score reads it back) in-process and through the atroposlib, OpenEnv, TRL and verifiers
adapters (the kit's conformance class)."""

from __future__ import annotations

import pytest

pytest.importorskip("hermes_tools_terminal.local", reason="hermes-tools-terminal provides the tools")

from hermes_env_terminal_tasks.environment import TerminalTasks

from hermes_testkit.env_adapters import AdapterRewardConformance
from hermes_testkit.openai_server import tool_call


class TestTerminalTasksAdapters(AdapterRewardConformance):
    environment_name = "terminal_tasks"
    cases = [("Hello, hermes!", 1.0), ("Well: Hello, hermes! Bye.", 0.5), ("nope", 0.0)]

    def transcript(self, content: str) -> tuple[dict, list[dict]]:
        """hello.txt must hold "Hello, hermes!": 1.0 exact, 0.5 when it only contains it, 0.0 otherwise."""
        environment = TerminalTasks()
        row = environment.rows()[0]
        call = tool_call("write_file", {"path": "hello.txt", "content": content})
        return row, [
            *environment.start(row).messages,
            {"role": "assistant", "content": None, "tool_calls": [call]},
            {"role": "tool", "tool_call_id": call["id"], "content": '{"ok": true}'},
            {"role": "assistant", "content": "Wrote hello.txt."},
        ]
