"""Truncation properties: head and tail kept, no orphan tool message, input untouched, linear work."""

from __future__ import annotations

import copy
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from hermes_agent_loop.truncation import estimate_tokens, shorten, truncate_messages
from hermes_testkit.truncation import make_conversation, reference_truncate


@st.composite
def conversations(draw):
    """system? + user + a random mix of assistant turns (0-3 tool calls each), user turns and results."""
    messages = []
    if draw(st.booleans()):
        messages.append({"role": "system", "content": "s" * draw(st.integers(0, 400))})
    messages.append({"role": "user", "content": "task " * draw(st.integers(1, 50))})
    for turn in range(draw(st.integers(0, 40))):
        kind = draw(st.sampled_from(["calls", "calls", "text", "user"]))
        if kind == "user":
            messages.append({"role": "user", "content": "u" * draw(st.integers(0, 300))})
        elif kind == "text":
            messages.append({"role": "assistant", "content": "a" * draw(st.integers(0, 300))})
        else:
            ids = [f"c{turn}_{i}" for i in range(draw(st.integers(1, 3)))]
            messages.append(
                {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [
                        {"id": i, "type": "function", "function": {"name": "t", "arguments": '{"x": 1}'}}
                        for i in ids
                    ],
                }
            )
            for i in ids:
                size = draw(st.sampled_from([10, 200, 1500, 8000]))
                messages.append({"role": "tool", "tool_call_id": i, "content": "r" * size})
    return messages


def orphans(messages):
    seen, bad = set(), []
    for m in messages:
        if m["role"] == "assistant":
            seen |= {c["id"] for c in m.get("tool_calls") or ()}
        elif m["role"] == "tool" and m["tool_call_id"] not in seen:
            bad.append(m)
    return bad


@settings(max_examples=300, deadline=None)
@given(conversations(), st.integers(50, 6000))
def test_truncation_properties(messages, budget):
    original = copy.deepcopy(messages)
    out = truncate_messages(messages, budget)
    assert messages == original  # the full trajectory is never touched
    assert orphans(out) == []
    head = 2 if messages[0]["role"] == "system" else 1
    assert out[:head] == messages[:head]  # system and task kept as they are
    # the last six survive, in order (only their long tool results may be shortened, as a last resort)
    tail = messages[-6:] if len(messages) > head + 6 else messages[head:]
    assert [(m["role"], m.get("tool_call_id")) for m in out[-len(tail) :]] == [
        (m["role"], m.get("tool_call_id")) for m in tail
    ] or not tail
    total = sum(estimate_tokens(m) for m in out)
    if total > budget:  # only when nothing droppable or shortenable is left
        assert all(shorten(m) is None for m in out if m["role"] == "tool")
        assert len(out) <= head + 6 or all(m["role"] == "tool" for m in out[head + 1 : -6])
    if sum(estimate_tokens(m) for m in messages) <= budget:
        assert out == messages
    assert out == reference_truncate(messages, budget)  # same decisions as the reference


def test_short_conversations_pass_through_unchanged():
    messages = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]
    assert truncate_messages(messages, 1000) == messages


def test_long_middle_tool_results_are_shortened_before_anything_is_dropped():
    messages = make_conversation(20)
    messages[5]["content"] = json.dumps({"output": "z" * 50_000})
    budget = sum(estimate_tokens(m) for m in messages) - 10_000
    out = truncate_messages(messages, budget)
    assert len(out) == len(messages)
    assert "characters cut to fit the context" in out[5]["content"]
    assert out[5]["content"].startswith('{"output": "zzz') and len(out[5]["content"]) < 1200
    assert len(messages[5]["content"]) > 50_000


def test_dropping_takes_the_tool_results_with_their_call():
    messages = make_conversation(40)
    out = truncate_messages(messages, sum(estimate_tokens(m) for m in messages) // 3)
    assert len(out) < len(messages) and orphans(out) == []
    assert out[2]["role"] == "assistant"  # the middle starts at a whole unit


def test_tokenizer_is_used_when_given():
    class CharTokenizer:
        def encode(self, text):
            return list(text)

    message = {"role": "user", "content": "abcdefgh"}
    assert estimate_tokens(message, CharTokenizer()) == 8 + 4
    assert estimate_tokens(message) == 2 + 4


class CountingReads(dict):
    """A message that counts every field read: the work done, whatever the machine's load."""

    reads = 0

    def get(self, *args):
        CountingReads.reads += 1
        return super().get(*args)


def reads_per_message(truncate, n):
    messages = [CountingReads(m) for m in make_conversation(n)]
    budget = sum(estimate_tokens(m) for m in messages) // 2
    CountingReads.reads = 0
    truncate(messages, budget)
    return CountingReads.reads / n


def test_truncation_is_linear_in_the_number_of_messages():
    """Field reads per message stay flat from 4k to 32k messages (about 4 each); the quadratic reference
    reads each message again after every change, so its reads per message grow with the length."""
    small, large = reads_per_message(truncate_messages, 4000), reads_per_message(truncate_messages, 32000)
    assert large < 2 * small and large < 20
    assert reads_per_message(reference_truncate, 2000) > 4 * reads_per_message(reference_truncate, 250)
