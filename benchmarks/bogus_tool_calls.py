"""One assistant turn calling an unknown tool 5,000 times (issue 22, item 8).

    python benchmarks/bogus_tool_calls.py [--calls N]

Each call answers with a ~130-character ``{"error": ...}``; together they pass the 200,000-character
turn budget. Spilling them would make each one bigger (a ~420-character summary) and write a file each;
only large results are spilled. Timed with the result budget on (the default) and off, in the same run,
with an in-process instant client (no HTTP), local sandboxes in a temporary folder.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from types import SimpleNamespace

from hermes_agent_loop import AgentLoop

TOOLS = [{"type": "function", "function": {"name": "echo", "parameters": {"type": "object"}}}]


class InstantClient:
    """Answers the first request with ``calls`` calls to an unknown tool, then with text."""

    def __init__(self, calls: int) -> None:
        self.calls = calls
        self.chat = SimpleNamespace(completions=SimpleNamespace(create=self.create))

    async def create(self, **kwargs):
        if len(kwargs["messages"]) > 1:
            return {"choices": [{"message": {"role": "assistant", "content": "done"}}]}
        tool_calls = [
            {"id": f"c{i}", "type": "function", "function": {"name": "no_such_tool", "arguments": "{}"}}
            for i in range(self.calls)
        ]
        return {"choices": [{"message": {"role": "assistant", "content": None, "tool_calls": tool_calls}}]}


def timed(calls: int, budget: bool) -> tuple[float, int]:
    loop = AgentLoop(
        InstantClient(calls),
        model="m",
        tools=TOOLS,
        task_id="bogus",
        tool_result_budget=None if budget else False,
    )
    started = time.perf_counter()
    result = asyncio.run(loop.run([{"role": "user", "content": "go"}]))
    seconds = time.perf_counter() - started
    assert result.final_response == "done" and result.metrics.unknown_tools == calls
    return seconds, sum(len(m["content"] or "") for m in result.messages if m["role"] == "tool")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=5000)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        os.environ.update(TERMINAL_ENV="local", TERMINAL_CWD=home, HERMES_HOME=home)
        off, off_chars = timed(options.calls, budget=False)
        on, on_chars = timed(options.calls, budget=True)
    print(f"{options.calls} unknown-tool calls in one turn")
    print(f"  budget off: {off:.2f} s, {off_chars} characters of tool results")
    print(f"  budget on:  {on:.2f} s, {on_chars} characters of tool results")
    print(f"  ratio on/off: {on / off:.2f} (time), {on_chars / off_chars:.2f} (characters)")


if __name__ == "__main__":
    main()
