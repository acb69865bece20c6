"""The calls of one assistant turn run concurrently, bounded, in call order; sequential tools run alone."""

from __future__ import annotations

import asyncio
import json
import threading

import openai

from hermes_agent_loop import AgentLoop
from hermes_core.hookspecs import hookimpl
from hermes_core.tools import Tool
from hermes_testkit.openai_server import reply

FAST = {"retry_base_delay": 0.001, "retry_max_delay": 0.01}
TOOLS = [
    {"type": "function", "function": {"name": name, "parameters": {"type": "object", "properties": {}}}}
    for name in ("work", "seq")
]


class Tracker:
    """Counts calls in flight; the peak shows how many ran at once, with no clock involved."""

    def __init__(self):
        self.lock = threading.Lock()
        self.active = 0
        self.peak = 0
        self.log: list[tuple[str, str]] = []

    def enter(self, label):
        with self.lock:
            self.active += 1
            self.peak = max(self.peak, self.active)
            self.log.append(("start", label))
            return self.active

    def leave(self, label):
        with self.lock:
            self.active -= 1
            self.log.append(("end", label))


def run(server, calls, **kwargs):
    server.queue(reply(tool_calls=calls), reply("done"))

    async def go():
        client = openai.AsyncOpenAI(base_url=server.base_url, api_key="x", max_retries=0)
        try:
            loop = AgentLoop(client, model="m", **{"tools": TOOLS, **FAST, **kwargs})
            return await loop.run([{"role": "user", "content": "go"}])
        finally:
            await client.close()

    return asyncio.run(go())


def async_handler(tracker, gate_size):
    """Each call waits until ``gate_size`` calls are in flight (or 2 s): proves they overlap."""
    everyone = asyncio.Event()

    async def handler(name, args, task_id):
        label = args.get("label", name)
        if tracker.enter(label) >= gate_size:
            everyone.set()
        try:
            if name == "work":
                try:
                    await asyncio.wait_for(everyone.wait(), 2)
                except TimeoutError:
                    pass
                await asyncio.sleep(args.get("delay", 0))
            return {"done": label}
        finally:
            tracker.leave(label)

    return handler


def test_calls_of_one_turn_run_together_and_results_keep_call_order(server):
    tracker = Tracker()
    calls = [("work", {"label": f"c{i}", "delay": (4 - i) * 0.01}) for i in range(4)]
    result = run(server, calls, tool_handler=async_handler(tracker, 4))
    assert tracker.peak == 4  # all four were in flight at once
    finished = [label for kind, label in tracker.log if kind == "end"]
    assert finished != ["c0", "c1", "c2", "c3"]  # the last call, the quickest, finished first...
    tool_messages = [m for m in result.messages if m["role"] == "tool"]
    assert [json.loads(m["content"])["done"] for m in tool_messages] == ["c0", "c1", "c2", "c3"]
    ids = [c["id"] for c in result.messages[1]["tool_calls"]]
    assert [m["tool_call_id"] for m in tool_messages] == ids  # ...yet results follow the call order
    assert result.tool_errors == []
    assert result.metrics.executed_ok == 4


def test_concurrency_is_bounded(server):
    tracker = Tracker()
    calls = [("work", {"label": f"c{i}"}) for i in range(6)]
    result = run(server, calls, tool_handler=async_handler(tracker, 2), max_parallel_tools=2)
    assert tracker.peak == 2
    assert result.metrics.executed_ok == 6


def test_sync_handlers_run_concurrently_in_the_tool_pool(server):
    tracker = Tracker()
    barrier = threading.Barrier(3, timeout=5)

    def handler(name, args, task_id):
        tracker.enter(args["label"])
        try:
            barrier.wait()  # would time out (BrokenBarrierError) if the three ran one by one
            return {"done": args["label"]}
        finally:
            tracker.leave(args["label"])

    result = run(server, [("work", {"label": f"c{i}"}) for i in range(3)], tool_handler=handler)
    assert result.metrics.executed_ok == 3 and tracker.peak == 3


def test_a_sequential_tool_runs_alone_between_its_neighbours(server):
    tracker = Tracker()
    calls = [
        ("work", {"label": "a"}),
        ("work", {"label": "b"}),
        ("seq", {"label": "s"}),
        ("work", {"label": "c"}),
    ]
    result = run(server, calls, tool_handler=async_handler(tracker, 2), sequential_tools={"seq"})
    log = tracker.log
    s_start, s_end = log.index(("start", "s")), log.index(("end", "s"))
    assert s_end == s_start + 1  # nothing else ran while the sequential tool did
    assert log.index(("end", "a")) < s_start and log.index(("end", "b")) < s_start
    assert log.index(("start", "c")) > s_end
    assert tracker.peak == 2  # a and b still ran together
    assert [json.loads(m["content"])["done"] for m in result.messages if m["role"] == "tool"] == list("absc")


def test_a_registered_tool_declares_itself_sequential(server, host):
    tracker = Tracker()

    async def work(args, task_id):
        tracker.enter(args["label"])
        await asyncio.sleep(0.01)
        tracker.leave(args["label"])
        return {"done": args["label"]}

    class Tools:
        @hookimpl
        def register_tools(self, register):
            register(Tool("work", "work", work))
            register(Tool("seq", "one at a time", work), sequential=True)

    host.register(Tools(), name="seq-tools")
    calls = [("seq", {"label": "s1"}), ("seq", {"label": "s2"})]
    result = run(server, calls, tools=host.tools.openai_tools(["work", "seq"]))
    assert tracker.peak == 1 and result.metrics.executed_ok == 2
