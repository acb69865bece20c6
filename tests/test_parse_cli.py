"""``hermes parse``: ``--tools``, ``--stream``, the matched parser's name, and output that never breaks."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from hermes_core.cli import main
from hermes_core.plugins import get_hermes

HERMES = 'Let me look.\n<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>'
QWEN3_CODER = (
    "Sure.\n<tool_call>\n<function=get_weather>\n<parameter=days>\n3\n</parameter>\n</function>\n</tool_call>"
)
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "parameters": {"type": "object", "properties": {"days": {"type": "string"}}},
        },
    }
]


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
        capsys, "parse", "--parser", "hermes", "--stream", "--chunk-size", chunk_size, source
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
    elif flag == "--stream":
        lines = [json.loads(line) for line in out.splitlines()]
        assert any("tool_calls" in line for line in lines)
    else:
        assert "call call_" in out
