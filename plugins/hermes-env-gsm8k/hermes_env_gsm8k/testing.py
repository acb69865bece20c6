"""A scripted "model" that solves (or deliberately fails) GSM8K problems with the ``python`` tool.

For tests of this environment and of the machinery around it (atroposlib's ``process`` / ``serve``,
phase 1 and phase 2) without a real model. It computes nothing itself: its tool call prints the
reference answer (or the reference plus one), the code really runs in the task's sandbox, and the final
``\\boxed{}`` repeats whatever the tool printed, so a reward of 1.0 proves the whole path worked.
"""

from __future__ import annotations

import json
import re
import threading
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from hermes_env_gsm8k.data import load_split
from hermes_env_gsm8k.scoring import gold_answer

_USER = re.compile(r"<\|im_start\|>user\n(.*?)<\|im_end\|>", re.DOTALL)
_TOOL_RESPONSE = re.compile(r"<tool_response>(.*?)</tool_response>", re.DOTALL)


def alternate(question: str, attempt: int) -> bool:
    """The default policy: even attempts at a question are right, odd ones wrong."""
    return attempt % 2 == 0


class Gsm8kSolver:
    """``chat_responder(body)`` for an OpenAI-compatible scripted server, ``raw_responder(prompt)`` for a
    token server whose prompts use ChatML with hermes ``<tool_call>`` / ``<tool_response>`` tags."""

    def __init__(
        self, policy: Callable[[str, int], bool] = alternate, splits: tuple[str, ...] = ("train", "test")
    ):
        self.gold = {row["question"]: gold_answer(row["answer"]) for s in splits for row in load_split(s)}
        self.policy = policy
        self.attempts: dict[str, int] = defaultdict(int)
        self.decisions: list[tuple[str, bool]] = []
        self._lock = threading.Lock()

    def _decide(self, question: str) -> str:
        gold = self.gold[question.strip()]
        with self._lock:
            attempt = self.attempts[question]
            self.attempts[question] += 1
            correct = self.policy(question, attempt)
            self.decisions.append((question, correct))
        return f"print({gold})" if correct else f"print({gold} + 1)"

    def chat_responder(self, body: dict[str, Any]) -> Any:
        from hermes_testkit.openai_server import reply

        messages = body["messages"]
        question = next(m["content"] for m in messages if m["role"] == "user")
        tool_messages = [m for m in messages if m["role"] == "tool"]
        if not tool_messages:
            return reply(tool_calls=[("python", {"code": self._decide(question)})])
        output = json.loads(tool_messages[-1]["content"]).get("output", "").strip()
        return reply(f"<think>The tool printed {output}.</think>The answer is \\boxed{{{output}}}.")

    def raw_responder(self, prompt: str) -> str:
        question = _USER.findall(prompt)[-1]
        responses = _TOOL_RESPONSE.findall(prompt)
        if not responses:
            call = {"name": "python", "arguments": {"code": self._decide(question)}}
            return f"Let me compute.<tool_call>{json.dumps(call)}</tool_call>"
        output = json.loads(responses[-1]).get("output", "").strip()
        return f"<think>The tool printed {output}.</think>The answer is \\boxed{{{output}}}."
