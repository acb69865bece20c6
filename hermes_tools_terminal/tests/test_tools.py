"""The terminal and file tools through the real dispatch path (``handle_function_call``)."""

from __future__ import annotations

import base64
import json
import os
import uuid

import pytest

from hermes_core.plugins import get_hermes
from hermes_core.sandboxes import cleanup_task, sandbox_for


@pytest.fixture
def call(monkeypatch):
    monkeypatch.setenv("TERMINAL_ENV", "local")
    monkeypatch.delenv("TERMINAL_CWD", raising=False)
    used: set[str] = set()
    hermes = get_hermes()

    def call(tool: str, args: dict, task_id: str = "tools-test") -> dict:
        used.add(task_id)
        return json.loads(hermes.tools.handle_function_call(tool, args, task_id))

    yield call
    for task_id in used:
        cleanup_task(task_id)


def test_registered_with_toolsets():
    hermes = get_hermes()
    assert hermes.toolsets.resolve("terminal") == ["terminal"]
    assert hermes.toolsets.resolve("file") == ["read_file", "write_file", "patch", "search_files"]
    assert "local" in hermes.backends


def test_terminal_runs_and_reports_exit_code(call):
    assert call("terminal", {"command": "echo hi; exit 2"}) == {"output": "hi\n", "exit_code": 2}


def test_terminal_timeout_and_workdir(call):
    result = call("terminal", {"command": "sleep 20", "timeout": 1})
    assert result["exit_code"] == 124 and "timed out" in result["output"]
    call("terminal", {"command": "mkdir -p sub"})
    assert call("terminal", {"command": "pwd", "workdir": "sub"})["output"].strip().endswith("/sub")


def test_terminal_cd_inside_command(call):
    result = call("terminal", {"command": "mkdir -p a/b && cd a/b && pwd"})
    assert result["output"].strip().endswith("/a/b")


def test_task_isolation(call):
    a = call("terminal", {"command": "pwd"}, "iso-one")["output"].strip()
    b = call("terminal", {"command": "pwd"}, "iso-two")["output"].strip()
    assert a != b
    call("write_file", {"path": "secret.txt", "content": "one"}, "iso-one")
    assert "error" in call("read_file", {"path": "secret.txt"}, "iso-two")


def test_unknown_backend_is_an_error_not_local(call, monkeypatch):
    monkeypatch.setenv("TERMINAL_ENV", "no-such-backend")
    result = call("terminal", {"command": "echo hi"}, f"bad-{uuid.uuid4().hex}")
    assert "error" in result and "no-such-backend" in result["error"] and "local" in result["error"]


def test_bad_arguments_are_errors(call):
    assert "error" in call("terminal", {})
    assert "error" in call("terminal", {"command": "true", "timeout": -1})


def test_write_read_roundtrip_with_hostile_content_and_path(call):
    content = "line 1 $HOME `id` $(rm -rf /)\n'single' \"double\" \\back\nünïcødé ✓\n\x00nul?\n"
    path = "dir with space/it's; rm -rf ~ $(echo x).txt"
    assert call("write_file", {"path": path, "content": content}) == {
        "path": path,
        "bytes_written": len(content.encode()),
    }
    read = call("read_file", {"path": path})
    assert read["content"] == content and read["total_lines"] == 4
    sandbox = sandbox_for("tools-test")
    assert os.path.isfile(os.path.join(sandbox.cwd, path))


def test_read_file_offset_limit(call):
    call("write_file", {"path": "n.txt", "content": "".join(f"{i}\n" for i in range(1, 101))})
    read = call("read_file", {"path": "n.txt", "offset": 10, "limit": 3})
    assert read["content"] == "10\n11\n12\n" and read["total_lines"] == 100 and "offset=13" in read["note"]
    assert "error" in call("read_file", {"path": "missing.txt"})
    assert "directory" in call("read_file", {"path": "."})["error"]


def test_large_file_roundtrip_in_chunks(call):
    content = "".join(f"row {i} " + "x" * 90 + "\n" for i in range(3000))  # ~300 kB: several chunks each way
    call("write_file", {"path": "big.txt", "content": content})
    assert (
        call("patch", {"path": "big.txt", "old_string": "row 2999 ", "new_string": "LAST "})["replacements"]
        == 1
    )
    sandbox = sandbox_for("tools-test")
    with open(os.path.join(sandbox.cwd, "big.txt")) as f:
        assert f.read() == content.replace("row 2999 ", "LAST ")


def test_patch_unique_missing_ambiguous(call):
    call("write_file", {"path": "p.py", "content": "a = 1\nb = 1\n"})
    assert call("patch", {"path": "p.py", "old_string": "a = 1", "new_string": "a = 2"}) == {
        "path": "p.py",
        "replacements": 1,
    }
    missing = call("patch", {"path": "p.py", "old_string": "zzz", "new_string": "y"})
    assert "not found" in missing["error"]
    ambiguous = call("patch", {"path": "p.py", "old_string": " = ", "new_string": "="})
    assert "2 times" in ambiguous["error"]
    assert call("read_file", {"path": "p.py"})["content"] == "a = 2\nb = 1\n"
    assert (
        call("patch", {"path": "p.py", "old_string": " = ", "new_string": "=", "replace_all": True})[
            "replacements"
        ]
        == 2
    )
    assert "error" in call("patch", {"path": "nope.py", "old_string": "a", "new_string": "b"})


def test_search_files(call):
    call("write_file", {"path": "src/a.py", "content": "def foo():\n    return 1\n"})
    call("write_file", {"path": "src/b.txt", "content": "foo bar\n"})
    found = call("search_files", {"pattern": "fo+", "path": "src"})
    assert {(m["path"].split("/")[-1], m["line"]) for m in found["matches"]} == {("a.py", 1), ("b.txt", 1)}
    only_py = call("search_files", {"pattern": "foo", "path": "src", "file_glob": "*.py"})
    assert [m["path"].split("/")[-1] for m in only_py["matches"]] == ["a.py"]
    files = call("search_files", {"pattern": "*.txt", "target": "files"})
    assert [f.split("/")[-1] for f in files["files"]] == ["b.txt"]
    hostile = call("search_files", {"pattern": "'; touch pwned; echo '", "path": "src"})
    assert hostile["count"] == 0
    assert call("terminal", {"command": "test -e pwned"})["exit_code"] == 1
    assert "error" in call("search_files", {"pattern": "x", "path": "no/such/dir"})
    many = call("search_files", {"pattern": ".", "path": "src", "max_results": 1})
    assert many["count"] == 1 and many["truncated"] is True


def test_patch_keeps_permissions_and_edits_through_symlinks(call):
    call("terminal", {"command": "printf 'echo abc\\n' > run.sh; chmod 755 run.sh; ln -s run.sh link.sh"})
    assert call("patch", {"path": "link.sh", "old_string": "abc", "new_string": "xyz"})["replacements"] == 1
    listing = call("terminal", {"command": "stat -c '%a %F' run.sh link.sh; cat run.sh"})["output"]
    assert listing == "755 regular file\n777 symbolic link\necho xyz\n"


def test_write_file_onto_a_directory_is_refused_and_leaves_nothing(call):
    call("terminal", {"command": "mkdir sub"})
    result = call("write_file", {"path": "sub", "content": "hello"})
    assert "is a directory" in result["error"]
    assert call("terminal", {"command": "ls -A sub; ls -A"})["output"] == "sub\n"


def test_names_starting_with_a_dash_are_files_not_options(call):
    call("terminal", {"command": "touch keep.py"})
    assert "bytes_written" in call("write_file", {"path": "-n", "content": "hello\n"})
    assert call("read_file", {"path": "-n"})["content"] == "hello\n"
    call("search_files", {"pattern": "*.py", "path": "-n", "target": "files"})
    call("write_file", {"path": "-delete", "content": "x"})
    call("search_files", {"pattern": "*.py", "path": "-delete", "target": "files"})
    assert call("terminal", {"command": "ls -A | sort"})["output"] == "-delete\n-n\nkeep.py\n"


def test_read_file_counts_lines_as_sed_does(call):
    text = "".join(f"line {i}\n" if i != 2 else "progress 10%\r20%\r100%\n" for i in range(1, 11))
    call("write_file", {"path": "log.txt", "content": text})
    first = call("read_file", {"path": "log.txt", "limit": 5})
    assert first["lines"] == 5 and first["note"] == "more lines follow; read again with offset=6"
    assert call("read_file", {"path": "log.txt", "offset": 6, "limit": 5})["content"].startswith("line 6\n")


def test_an_over_long_line_is_reported_cut_not_skipped(call):
    call("write_file", {"path": "wide.txt", "content": "x" * 100_000 + "\nsecond\n"})
    result = call("read_file", {"path": "wide.txt"})
    assert result["lines"] == 1 and len(result["content"]) < 100_000
    assert result["note"].startswith(f"line 1 is cut after {len(result['content'])} characters")


# -- issue 15: hostile input ----------------------------------------------------------------------------


def test_model_timeout_is_capped_by_terminal_timeout(call, monkeypatch):
    monkeypatch.setenv("TERMINAL_TIMEOUT", "1")
    result = call("terminal", {"command": "sleep 8", "timeout": 1e9}, f"cap-{uuid.uuid4().hex}")
    assert result["exit_code"] == 124 and "timed out after 1s" in result["output"]


def test_a_shorter_model_timeout_still_applies(call, monkeypatch):
    monkeypatch.setenv("TERMINAL_TIMEOUT", "30")
    result = call("terminal", {"command": "sleep 8", "timeout": 1}, f"short-{uuid.uuid4().hex}")
    assert result["exit_code"] == 124 and "timed out after 1s" in result["output"]


@pytest.mark.parametrize("kind", ["device", "fifo"])
def test_read_file_refuses_what_never_ends(call, kind, tmp_path):
    if kind == "device":
        path = "/dev/zero"
    else:
        path = str(tmp_path / "pipe")
        os.mkfifo(path)
    for tool in ("read_file", "patch"):
        args = {"path": path} if tool == "read_file" else {"path": path, "old_string": "a", "new_string": "b"}
        error = call(tool, args)["error"]
        assert "not a regular file" in error and "@@HERMES" not in error


def test_read_file_past_the_end_reports_the_real_total(call):
    call("write_file", {"path": "three.txt", "content": "a\nb\nc"})  # no newline after the last line
    whole = call("read_file", {"path": "three.txt"})
    assert whole["total_lines"] == 3 and whole["lines"] == 3 and "note" not in whole
    past = call("read_file", {"path": "three.txt", "offset": 50})
    assert (past["lines"], past["total_lines"], past["content"]) == (0, 3, "")
    assert "past the end" in past["note"]
    call("write_file", {"path": "empty.txt", "content": ""})
    assert call("read_file", {"path": "empty.txt", "offset": 5})["total_lines"] == 0


def test_search_files_reports_a_bad_regex(call):
    call("write_file", {"path": "src/a.py", "content": "a(b\n"})
    result = call("search_files", {"pattern": "a(", "path": "src"})
    assert "invalid regular expression 'a('" in result["error"]
    assert call("search_files", {"pattern": r"a\(", "path": "src"})["count"] == 1


def test_tool_output_masks_secrets(call, monkeypatch):
    key = "sk-proj-" + uuid.uuid4().hex
    monkeypatch.setenv("OPENAI_API_KEY", key)
    call("write_file", {"path": "leak.txt", "content": f"key={key}\n"})  # a key that reached a file
    assert key not in json.dumps(call("read_file", {"path": "leak.txt"}))
    assert key not in json.dumps(call("terminal", {"command": "cat leak.txt"}))
    assert key not in json.dumps(call("search_files", {"pattern": "key=", "path": "."}))


@pytest.mark.parametrize(
    "command",
    [
        "base64 leak.txt",
        "(printf x; cat leak.txt) | base64 -w 0",
        "xxd -p leak.txt",
        "rev leak.txt",
        "tr a-z A-Z < leak.txt",
        "fold -w 10 leak.txt",
        "python3 -c 'import urllib.parse,sys; print(urllib.parse.quote(open(\"leak.txt\").read()))'",
        "cat leak.txt; head -c 49975 /dev/zero | tr '\\0' -",  # the 50,000-character limit cuts the key
    ],
)
def test_encoded_keys_from_dotenv_do_not_come_out(call, monkeypatch, tmp_path, command):
    """Issue 22.1: a key of ``.env`` under a name no rule knew, encoded or cut by a command."""
    key = "azure-" + uuid.uuid4().hex + "Zq"
    (tmp_path / ".env").write_text(f"AZURE_OPENAI_KEY={key}\n", encoding="utf-8")
    monkeypatch.setenv("HERMES_HOME", str(tmp_path))
    call("write_file", {"path": "leak.txt", "content": f"x{key}"})  # a key that reached a file
    output = call("terminal", {"command": command})["output"]
    assert output.strip(), "the command printed nothing"
    flat = output.replace("\n", "").lower()
    encoded = [base64.b64encode(f"{pad}x{key}".encode()).decode()[4:-4] for pad in ("", "x")]
    for form in (key, key[::-1], key.encode().hex(), *encoded):
        assert not any(form[i : i + 12].lower() in flat for i in range(len(form) - 11)), (command, output)


def test_hermes_tools_call_does_not_print_the_key(tmp_path):
    """Issue 15.3: ``hermes tools call terminal '{"command": "echo $OPENAI_API_KEY"}'`` printed it."""
    import subprocess
    import sys

    key = "sk-" + uuid.uuid4().hex
    env = {**os.environ, "OPENAI_API_KEY": key, "HERMES_HOME": str(tmp_path), "TERMINAL_ENV": "local"}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "hermes_core",
            "tools",
            "call",
            "terminal",
            '{"command": "echo k=$OPENAI_API_KEY"}',
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["output"] == "k=\n" and key not in done.stdout + done.stderr


def test_bad_pool_size_is_one_clear_line(tmp_path):
    import subprocess
    import sys

    env = {**os.environ, "TERMINAL_POOL_MAX": "abc", "HERMES_HOME": str(tmp_path), "TERMINAL_ENV": "local"}
    done = subprocess.run(
        [sys.executable, "-m", "hermes_core", "tools", "call", "terminal", '{"command": "echo hi"}'],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    text = done.stdout + done.stderr
    assert "Traceback" not in text and "ValueError" not in text
    assert "terminal.pool_max = 'abc' (env TERMINAL_POOL_MAX): expected an integer" in text


def test_terminal_pool_max_pools_any_backend(monkeypatch):
    from hermes_core.sandboxes import SandboxTable

    monkeypatch.setenv("TERMINAL_ENV", "local")
    monkeypatch.setenv("TERMINAL_POOL_MAX", "1")
    monkeypatch.delenv("TERMINAL_CWD", raising=False)
    table = SandboxTable()
    first = table.get("a")
    home = first.execute("pwd").output.strip()
    assert home.endswith("/hermes_tasks/a")
    table.cleanup("a")  # gives the warm sandbox back; the task directory is removed
    second = table.get("b")
    assert second.execute("pwd").output.strip().endswith("/hermes_tasks/b")
    assert table.backend().metrics()["reused"] == 1
    table.cleanup_all()
