"""Same reward everywhere: one fixed GSM8K transcript scored in-process and through the atroposlib, OpenEnv,
TRL and verifiers adapters (the kit's conformance class; each adapter driven by its trainer's own code)."""

from __future__ import annotations

import pytest

pytest.importorskip("hermes_tools_terminal.local", reason="hermes-tools-terminal provides the local backend")

from hermes_env_gsm8k.environment import GSM8K

from hermes_testkit.env_adapters import AdapterRewardConformance
from hermes_testkit.openai_server import tool_call


class TestGsm8kAdapters(AdapterRewardConformance):
    environment_name = "gsm8k"
    cases = [("18", 1.0), ("19", 0.0)]

    def transcript(self, answer: str) -> tuple[dict, list[dict]]:
        """Janet's ducks (gold 18): the python tool really runs, then the boxed ``answer``."""
        environment = GSM8K()
        row = environment.rows("test")[0]
        call = tool_call("python", {"code": "print(16 - 3 - 4)"})
        return row, [
            *environment.start(row).messages,
            {"role": "assistant", "content": "Let me compute.", "tool_calls": [call]},
            {"role": "tool", "tool_call_id": call["id"], "content": '{"output": "9\\n", "exit_code": 0}'},
            {"role": "assistant", "content": f"9 eggs at $2: \\boxed{{{answer}}}"},
        ]
