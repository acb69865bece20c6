"""Same reward everywhere, verifiers included: the kit's conformance class for each environment, here
where verifiers is installed (it pins openai<3, so the main test environment skips its case)."""

from __future__ import annotations

import pytest

pytest.importorskip(
    "hermes_envs_verifiers", reason="verifiers pins openai<3: these tests run in its own venv"
)

from hermes_env_gsm8k.environment import GSM8K
from hermes_env_terminal_tasks.environment import TerminalTasks

from hermes_testkit.env_adapters import AdapterRewardConformance
from hermes_testkit.openai_server import tool_call


def conversation(start: list[dict], call: dict, result: str, answer: str) -> list[dict]:
    return [
        *start,
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": call["id"], "content": result},
        {"role": "assistant", "content": answer},
    ]


class TestGsm8k(AdapterRewardConformance):
    environment_name = "gsm8k"
    cases = [("18", 1.0), ("17", 0.0)]

    def transcript(self, answer: str) -> tuple[dict, list[dict]]:
        row = GSM8K().rows("test")[0]
        call = tool_call("python", {"code": "print((16 - 3 - 4) * 2)"})
        start = GSM8K().start(row).messages
        return row, conversation(start, call, '{"output": "18\\n"}', f"\\boxed{{{answer}}}")


class TestTerminalTasks(AdapterRewardConformance):
    environment_name = "terminal_tasks"
    cases = [("Hello, hermes!", 1.0), ("Hello, hermes!!", 0.5)]

    def transcript(self, content: str) -> tuple[dict, list[dict]]:
        row = TerminalTasks().rows()[0]
        call = tool_call("write_file", {"path": "hello.txt", "content": content})
        start = TerminalTasks().start(row).messages
        return row, conversation(start, call, '{"ok": true}', "Done.")
