"""``hermes parse``: ``--tools``, ``--stream``, the matched parser's name, and output that never breaks."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from hermes_core.cli import main
from hermes_core.plugins import get_hermes
from hermes_testkit.parser_helpers import tool_definition

HERMES = 'Let me look.\n<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>'
QWEN3_CODER = (
    "Sure.\n<tool_call>\n<function=get_weather>\n<parameter=days>\n3\n</parameter>\n</function>\n</tool_call>"
)
TOOLS = [tool_definition("get_weather", {"days": {"type": "string"}})]


def needs(*names: str) -> None:
    for name in names:
        if name not in get_hermes().parsers:
            pytest.skip(f"{name} not installed")


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(list(argv))
        raise SystemExit(0)
    out, err = capsys.readouterr()
    return exit_info.value.code or 0, out, err


def write(tmp_path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(
    ("text", "expected"), [(HERMES, "hermes"), (QWEN3_CODER, "qwen3_coder"), ("Just prose.", None)]
)
def test_auto_json_names_the_parser_that_matched(capsys, tmp_path, text, expected):
    needs("auto", "hermes", "qwen3_coder")
    code, out, _ = run_cli(capsys, "parse", "--parser", "auto", "--json", write(tmp_path, "c.txt", text))
    result = json.loads(out)
    assert code == 0 and result["parser"] == expected
    assert len(result["tool_calls"]) == (0 if expected is None else 1)


def test_tools_file_types_values_by_schema(capsys, tmp_path):
    needs("qwen3_coder")
    source = write(tmp_path, "c.txt", QWEN3_CODER)
    _, untyped, _ = run_cli(capsys, "parse", "--parser", "qwen3_coder", "--json", source)
    tools = write(tmp_path, "tools.json", json.dumps(TOOLS))
    code, typed, _ = run_cli(capsys, "parse", "--parser", "qwen3_coder", "--json", "--tools", tools, source)
    assert code == 0
    assert json.loads(json.loads(untyped)["tool_calls"][0]["function"]["arguments"]) == {"days": 3}
    assert json.loads(json.loads(typed)["tool_calls"][0]["function"]["arguments"]) == {"days": "3"}


@pytest.mark.parametrize("chunk_size", ["1", "5", "4096"])
def test_stream_prints_one_delta_per_line_that_add_up_to_the_parse(capsys, tmp_path, chunk_size):
    needs("hermes")
    source = write(tmp_path, "c.txt", HERMES)
    code, out, _ = run_cli(
        capsys, "parse", "--parser", "hermes", "--stream", "--json", "--chunk-size", chunk_size, source
    )
    deltas = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and deltas
    assert all(set(d) <= {"content", "tool_calls"} and d for d in deltas)
    content = "".join(d.get("content", "") for d in deltas)
    parts = [part for d in deltas for part in d.get("tool_calls", [])]
    first = parts[0]
    assert content == "Let me look."
    assert first["index"] == 0 and first["type"] == "function" and first["id"].startswith("call_")
    assert first["function"]["name"] == "get_weather"
    assert all(set(p) == {"index", "function"} and set(p["function"]) == {"arguments"} for p in parts[1:])
    arguments = "".join(p["function"].get("arguments", "") for p in parts)
    assert json.loads(arguments) == {"city": "Paris"}


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (None, "error: cannot read tools file"),
        ("[{", "is not valid JSON"),
        ('{"name": "x"}', "must hold a JSON list of tool definitions"),
        ('[{"function": {}}]', "item 0 is not a tool definition"),
        ('["get_weather"]', "item 0 is not a tool definition"),
        ('[{"function": {"name": "f", "parameters": []}}]', "has parameters that are not an object"),
    ],
)
def test_bad_tools_file_is_one_clear_line(capsys, tmp_path, body, expected):
    needs("hermes")
    tools = str(tmp_path / "missing.json") if body is None else write(tmp_path, "tools.json", body)
    code, out, err = run_cli(
        capsys, "parse", "--parser", "hermes", "--tools", tools, write(tmp_path, "c.txt", HERMES)
    )
    assert code != 0 and out == ""
    assert expected in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_request_body_tools_field_is_accepted(capsys, tmp_path):
    needs("qwen3_coder")
    tools = write(tmp_path, "body.json", json.dumps({"model": "m", "tools": TOOLS}))
    source = write(tmp_path, "c.txt", QWEN3_CODER)
    code, out, _ = run_cli(capsys, "parse", "--parser", "qwen3_coder", "--json", "--tools", tools, source)
    assert code == 0 and '\\"3\\"' in out


@pytest.mark.parametrize(
    "payload",
    [
        b'<tool_call>{"name": "f", "arguments": {"a": "\\ud800 lone"}}</tool_call>',  # JSON-escaped surrogate
        b'caf\xe9 \xff <tool_call>{"name": "f", "arguments": {"a": 1}}</tool_call>',  # not UTF-8
    ],
)
@pytest.mark.parametrize("flag", ["--json", "--stream", None])
def test_lone_surrogates_never_break_the_output(payload, flag):
    """Issue 15.9: `hermes parse --json` crashed half-way through its output on a lone surrogate."""
    needs("hermes")
    argv = [sys.executable, "-m", "hermes_core", "parse", "--parser", "hermes", *([flag] if flag else [])]
    done = subprocess.run(argv, input=payload, capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr
    out = done.stdout.decode("utf-8")  # valid UTF-8, whatever the input held
    if flag == "--json":
        result = json.loads(out)
        assert result["parser"] == "hermes" and result["tool_calls"][0]["function"]["name"] == "f"
    elif flag == "--stream":  # labelled lines (JSON lines need --json too)
        assert any(line.startswith("call 0     f (call_") for line in out.splitlines())
    else:
        assert "tool call 1: f (id call_" in out


# --- issue 21 (--reasoning-parser) and issue 23 item 9 (no reprs, auto by default, --stream --json,
# --tools names checked, a hint on a terminal, examples in --help) ------------------------------------

THINKING = "I should check.</think>Sure.\n" + HERMES.split("\n", 1)[1]


def needs_reasoning(name: str) -> None:
    if name not in get_hermes().reasoning_parsers:
        pytest.skip(f"reasoning parser {name} not installed")


def test_reasoning_parser_splits_before_the_tool_parser(capsys, tmp_path):
    needs("hermes")
    needs_reasoning("qwen3")
    source = write(tmp_path, "c.txt", THINKING)
    code, out, _ = run_cli(
        capsys, "parse", "--parser", "hermes", "--reasoning-parser", "qwen3", "--json", source
    )
    result = json.loads(out)
    assert code == 0 and result["reasoning_content"] == "I should check." and result["content"] == "Sure."
    assert [c["function"]["name"] for c in result["tool_calls"]] == ["get_weather"]
    _, plain, _ = run_cli(capsys, "parse", "--parser", "hermes", "--json", source)
    assert "reasoning_content" not in json.loads(plain)  # the shape without --reasoning-parser is unchanged


def test_a_call_inside_the_reasoning_stays_reasoning(capsys, tmp_path):
    """vLLM's order: the tool parser reads the content only (deepseek_r1 has no implicit end)."""
    needs("hermes")
    needs_reasoning("deepseek_r1")
    source = write(tmp_path, "c.txt", "<think>maybe " + HERMES + "</think>No call needed.")
    code, out, _ = run_cli(
        capsys, "parse", "--parser", "hermes", "--reasoning-parser", "deepseek_r1", "--json", source
    )
    result = json.loads(out)
    assert code == 0 and result["tool_calls"] == [] and result["content"] == "No call needed."
    assert "<tool_call>" in result["reasoning_content"]


def test_human_output_has_no_python_reprs_and_parser_defaults_to_auto(capsys, tmp_path):
    needs("auto", "hermes")
    code, out, _ = run_cli(capsys, "parse", write(tmp_path, "c.txt", HERMES))
    assert code == 0
    assert out.splitlines()[:3] == ["parser: hermes", "content:", "  Let me look."]
    assert "None" not in out and "'" not in out
    assert '"city": "Paris"' in out
    _, prose, _ = run_cli(capsys, "parse", write(tmp_path, "p.txt", "Just prose."))
    assert prose.splitlines() == ["parser: none matched (no tool calls)", "content:", "  Just prose."]


def test_stream_without_json_is_labelled_lines_and_with_json_is_json(capsys, tmp_path):
    needs("hermes")
    needs_reasoning("qwen3")
    source = write(tmp_path, "c.txt", THINKING)
    args = ("parse", "--parser", "hermes", "--reasoning-parser", "qwen3", "--stream", "--chunk-size", "8")
    _, human, _ = run_cli(capsys, *args, source)
    _, as_json, _ = run_cli(capsys, *args, "--json", source)
    assert human != as_json
    assert human.splitlines()[0].startswith("reasoning ") and any(
        line.startswith("call 0") for line in human.splitlines()
    )
    deltas = [json.loads(line) for line in as_json.splitlines()]
    assert "".join(d.get("reasoning_content", "") for d in deltas) == "I should check."
    assert "".join(d.get("content", "") for d in deltas) == "Sure."


def test_a_call_to_a_tool_the_tools_file_does_not_define_is_an_error(capsys, tmp_path):
    needs("hermes")
    other = [{"type": "function", "function": {"name": "search", "parameters": {"type": "object"}}}]
    tools = write(tmp_path, "tools.json", json.dumps(other))
    code, out, err = run_cli(
        capsys, "parse", "--parser", "hermes", "--tools", tools, write(tmp_path, "c.txt", HERMES)
    )
    assert code == 1 and "get_weather" in out  # the parse is still shown
    assert err.strip().splitlines() == [
        f"error: the completion calls get_weather, which {tools} does not define (defined: search)"
    ]


def test_unknown_reasoning_parser_is_one_clear_line(capsys, tmp_path):
    code, _, err = run_cli(capsys, "parse", "--reasoning-parser", "nope", write(tmp_path, "c.txt", "x"))
    assert (
        code == 1 and err.startswith("error: unknown reasoning parser 'nope'") and len(err.splitlines()) == 1
    )


def test_help_has_examples(capsys):
    code, out, _ = run_cli(capsys, "parse", "--help")
    assert code == 0 and "Examples:" in out and "--reasoning-parser qwen3" in out


def test_a_terminal_on_stdin_gets_a_hint_instead_of_a_silent_wait():
    import os
    import pty

    needs("hermes")
    leader, follower = pty.openpty()
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "hermes_core", "parse", "--parser", "hermes"],
            stdin=follower,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        os.close(follower)
        hint = process.stderr.readline().decode()  # printed before the read blocks
        assert "Ctrl-D" in hint and "hermes parse --help" in hint
        os.write(leader, b"hello\n\x04")
        out, _ = process.communicate(timeout=60)
    finally:
        os.close(leader)
    assert process.returncode == 0 and "hello" in out.decode()
