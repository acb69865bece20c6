"""ShareGPT conversion (hermes-agent's format) and durable JSONL appends."""

from __future__ import annotations

import json
import os
import threading

from hypothesis import given
from hypothesis import strategies as st

from hermes_agent_loop.trajectory import (
    JsonlWriter,
    append_jsonl,
    read_jsonl,
    repair_jsonl,
    split_reasoning,
    to_sharegpt,
)

TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "terminal",
            "description": "run a command",
            "parameters": {"type": "object", "properties": {"command": {"type": "string"}}},
        },
    }
]

RUN = [
    {"role": "system", "content": "Answer in French."},
    {"role": "user", "content": "List the files."},
    {
        "role": "assistant",
        "content": "Je regarde.",
        "reasoning_content": "I should run ls.",
        "tool_calls": [
            {
                "id": "c1",
                "type": "function",
                "function": {"name": "terminal", "arguments": '{"command": "ls"}'},
            },
            {
                "id": "c2",
                "type": "function",
                "function": {"name": "terminal", "arguments": '{"command": "pwd"}'},
            },
        ],
    },
    {"role": "tool", "tool_call_id": "c1", "content": '{"output": "a.txt", "exit_code": 0}'},
    {"role": "tool", "tool_call_id": "c2", "content": "not json"},
    {"role": "assistant", "content": "<think>done</think>Il y a a.txt."},
]


def test_sharegpt_shape_matches_hermes_agent():
    conv = to_sharegpt(RUN, TOOLS, ephemeral_system_prompt="Answer in French.")["conversations"]
    assert [c["from"] for c in conv] == ["system", "human", "gpt", "tool", "gpt"]
    system = conv[0]["value"]
    assert "Answer in French" not in system  # ephemeral: guided the run, not saved
    tools_json = system.split("<tools>\n")[1].split("\n</tools>")[0]
    assert json.loads(tools_json) == [TOOLS[0]["function"]]
    assert conv[1]["value"] == "List the files."
    gpt = conv[2]["value"]
    assert gpt.startswith("<think>\nI should run ls.\n</think>\nJe regarde.\n<tool_call>\n")
    calls = [json.loads(block.split("</tool_call>")[0]) for block in gpt.split("<tool_call>\n")[1:]]
    assert calls == [
        {"name": "terminal", "arguments": {"command": "ls"}},
        {"name": "terminal", "arguments": {"command": "pwd"}},
    ]
    responses = [
        json.loads(b.split("\n</tool_response>")[0]) for b in conv[3]["value"].split("<tool_response>\n")[1:]
    ]
    assert responses == [
        {"tool_call_id": "c1", "name": "terminal", "content": {"output": "a.txt", "exit_code": 0}},
        {"tool_call_id": "c2", "name": "terminal", "content": "not json"},
    ]
    assert conv[4]["value"] == "<think>done</think>Il y a a.txt."  # not wrapped twice


def test_non_ephemeral_system_prompt_is_kept_before_the_tools():
    conv = to_sharegpt(RUN, TOOLS)["conversations"]
    assert conv[0]["value"].startswith("Answer in French.\n\nYou are a function calling AI model.")


def test_ephemeral_part_of_a_combined_system_prompt_is_removed():
    messages = [{"role": "system", "content": "Be kind.\n\nSecret hint."}, {"role": "user", "content": "q"}]
    conv = to_sharegpt(messages, None, ephemeral_system_prompt="Secret hint.")["conversations"]
    assert conv[0] == {"from": "system", "value": "Be kind."}


def test_no_tools_no_system():
    conv = to_sharegpt([{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}])
    assert conv == {"conversations": [{"from": "human", "value": "hi"}, {"from": "gpt", "value": "yo"}]}


def test_split_reasoning_variants():
    assert split_reasoning("<think>a</think>b") == ("a", "b")
    assert split_reasoning("a</think>b") == ("a", "b")  # template opened the block in the prompt
    assert split_reasoning("x<think>still thinking") == ("still thinking", "x")
    assert split_reasoning("plain") == (None, "plain")
    assert split_reasoning(None) == (None, None)


@given(st.lists(st.dictionaries(st.text(max_size=5), st.text(max_size=20), max_size=3), max_size=10))
def test_jsonl_round_trip(records):
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "out.jsonl")
        for record in records:
            append_jsonl(path, record)
        assert list(read_jsonl(path)) == records


def test_torn_last_line_is_ignored_and_repaired(tmp_path):
    path = tmp_path / "t.jsonl"
    append_jsonl(path, {"id": "1"})
    with open(path, "a") as handle:
        handle.write('{"id": "2", "conv')  # a kill mid-write
    assert [r["id"] for r in read_jsonl(path)] == ["1"]
    assert repair_jsonl(path) == len('{"id": "2", "conv')
    append_jsonl(path, {"id": "3"})
    assert [r["id"] for r in read_jsonl(path)] == ["1", "3"]
    assert repair_jsonl(path) == 0 and repair_jsonl(tmp_path / "missing.jsonl") == 0


def test_writer_lines_never_interleave_across_threads(tmp_path):
    path = tmp_path / "w.jsonl"
    with JsonlWriter(path, fsync=False) as writer:
        threads = [
            threading.Thread(
                target=lambda t=t: [writer.append({"t": t, "i": i, "pad": "x" * 5000}) for i in range(50)]
            )
            for t in range(8)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    records = list(read_jsonl(path))
    assert len(records) == 400 and len({(r["t"], r["i"]) for r in records}) == 400


def test_secrets_never_reach_a_saved_trajectory(tmp_path, monkeypatch):
    from hermes_agent_loop.trajectory import JsonlWriter, append_jsonl

    secret = "sk-test-" + "x9" * 16
    monkeypatch.setenv("FIRECRAWL_API_KEY", secret)
    record = {"conversations": [{"from": "tool", "value": f"env says FIRECRAWL_API_KEY={secret}"}]}
    append_jsonl(tmp_path / "one.jsonl", record)
    with JsonlWriter(tmp_path / "many.jsonl") as writer:
        writer.append(record)
    for name in ("one.jsonl", "many.jsonl"):
        saved = (tmp_path / name).read_text()
        assert secret not in saved and "FIRECRAWL_API_KEY=" in saved


def test_a_lone_surrogate_is_written_as_a_json_escape_and_reads_back(tmp_path):
    # JSON and the OpenAI client both accept "\ud800", but it has no UTF-8 encoding
    record = {"id": "odd", "final_response": "odd \ud800 text", "path": "C:\\dir\\\udfff", "ok": "é"}
    path = tmp_path / "t.jsonl"
    append_jsonl(path, record)
    with JsonlWriter(path) as writer:
        writer.append(record)
    raw = path.read_bytes()
    lines = raw.decode("utf-8").splitlines()  # strict UTF-8: the file is valid
    assert len(lines) == 2 and '"odd \\ud800 text"' in lines[0] and "é" in lines[0]
    assert [json.loads(line) for line in lines] == [record, record]
    assert list(read_jsonl(path)) == [record, record]


@given(
    st.lists(
        st.dictionaries(
            st.text(max_size=5),
            st.text(alphabet=st.characters(exclude_categories=[]), max_size=20),
            max_size=3,
        ),
        max_size=5,
    )
)
def test_jsonl_round_trip_with_any_code_point_including_surrogates(records):
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "out.jsonl")
        for record in records:
            append_jsonl(path, record)
        assert list(read_jsonl(path)) == records


def test_a_bare_closing_think_tag_is_balanced_like_a_reasoning_field():
    # Qwen3's template puts <think> in the prompt, so the reply holds only the closing tag
    bare = to_sharegpt(
        [
            {"role": "user", "content": "2+2?"},
            {"role": "assistant", "content": "plan it</think>\n\nThe answer is 4"},
        ]
    )
    field = to_sharegpt(
        [
            {"role": "user", "content": "2+2?"},
            {"role": "assistant", "content": "The answer is 4", "reasoning_content": "plan it"},
        ]
    )
    assert bare["conversations"][1]["value"] == "<think>\nplan it\n</think>\nThe answer is 4"
    assert bare == field
    empty = to_sharegpt([{"role": "assistant", "content": "</think>\n4"}])["conversations"][0]["value"]
    assert empty == "4"
    call = {"id": "c1", "function": {"name": "terminal", "arguments": '{"command": "ls"}'}}
    with_call = to_sharegpt([{"role": "assistant", "content": "look first</think>", "tool_calls": [call]}])
    assert with_call == to_sharegpt(
        [{"role": "assistant", "content": None, "reasoning_content": "look first", "tool_calls": [call]}]
    )
    with_call = with_call["conversations"][0]["value"]
    assert with_call.startswith("<think>\nlook first\n</think>\n") and with_call.endswith("</tool_call>")
    for value in (bare["conversations"][1]["value"], empty, with_call):
        assert value.count("<think>") == value.count("</think>")
    # a balanced block is left as the model wrote it
    balanced = to_sharegpt([{"role": "assistant", "content": "<think>a</think>b"}])["conversations"][0]
    assert balanced["value"] == "<think>a</think>b"
