"""The ``terminal`` tool and the file tools, all running in the task's sandbox.

The file tools are written on top of :meth:`Sandbox.execute` only, so they work on every backend (local,
ssh, docker, modal, ...). File content crosses the shell as base64 and every path is ``shlex``-quoted:
nothing the model writes reaches a shell unquoted. Every answer passes through ``mask_secrets``: a key
that reached a file or a command's output never reaches the model or a trajectory.
"""

from __future__ import annotations

import shlex
from typing import Any, Literal

from pydantic import BaseModel, Field

from hermes_core import sandbox_files as files
from hermes_core.registry import HermesError
from hermes_core.sandbox_files import MARK, SandboxFileError, quote_path
from hermes_core.sandboxes import sandbox_for
from hermes_core.terminal import DEFAULT_TIMEOUT

READ_LIMIT_LINES = 2000
PATCH_MAX_BYTES = 8_000_000


def _masker():
    """The core's ``mask_secrets``, imported on first use."""
    from hermes_core.secrets import mask_secrets

    return mask_secrets


def _masked(value: Any, mask) -> Any:
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, dict):
        return {k: _masked(v, mask) for k, v in value.items()}
    if isinstance(value, list):
        return [_masked(v, mask) for v in value]
    return value


def _guard(func):
    """Tool handlers answer ``{"error": ...}`` instead of raising (backend unavailable, missing file), and
    every text they answer is masked."""

    def handler(args: dict[str, Any], task_id: str | None = None) -> dict[str, Any]:
        try:
            answer = func(args, task_id)
        except HermesError as exc:  # already one clear line (a missing file, a bad setting)
            answer = {"error": str(exc)}
        except Exception as exc:
            answer = {"error": f"{type(exc).__name__}: {exc}"}
        return _masked(answer, _masker())

    handler.__name__ = func.__name__
    handler.__doc__ = func.__doc__
    return handler


# -- terminal ------------------------------------------------------------------------------------------


class TerminalArgs(BaseModel):
    command: str = Field(description="The shell command to run (bash -c semantics).")
    timeout: float | None = Field(
        default=None, gt=0, description="Seconds before the command is killed (at most the configured limit)."
    )
    workdir: str | None = Field(default=None, description="Directory to run in (default: the task's).")


@_guard
def terminal(args: dict[str, Any], task_id: str | None = None) -> dict[str, Any]:
    """Run a command in the task's sandbox; the model's ``timeout`` never exceeds the sandbox's own
    (``terminal.timeout``, ``TERMINAL_TIMEOUT``): a model cannot hold a worker for hours."""
    sandbox = sandbox_for(task_id)
    ceiling = float(getattr(sandbox, "timeout", None) or DEFAULT_TIMEOUT)
    asked = args.get("timeout")
    timeout = min(float(asked), ceiling) if asked else ceiling
    result = sandbox.execute(args["command"], cwd=args.get("workdir"), timeout=timeout)
    return result.to_dict()


# -- file tools ----------------------------------------------------------------------------------------


class ReadFileArgs(BaseModel):
    path: str = Field(description="File to read, relative to the task's working directory or absolute.")
    offset: int = Field(default=1, ge=1, description="First line to return (1-based).")
    limit: int = Field(default=500, ge=1, le=READ_LIMIT_LINES, description="How many lines to return.")


@_guard
def read_file(args: dict[str, Any], task_id: str | None = None) -> dict[str, Any]:
    sandbox = sandbox_for(task_id)
    path, first, count = args["path"], args["offset"], args["limit"]
    q = quote_path(path)
    files.file_size(sandbox, path)  # refuses directories, devices and FIFOs before anything reads
    budget = files.read_budget(sandbox)
    last = first + count - 1
    # lines as an editor counts them: a last line without a newline still counts
    script = (
        f'echo {MARK}; wc -l < {q}; if [ -s {q} ] && [ "$(tail -c 1 {q} | wc -l)" -eq 0 ]; then echo 1; '
        f"else echo 0; fi; sed -n '{first},{last}p' {q} | head -c {budget} | base64 | tr -d '\\n'"
    )
    result = sandbox.execute(script)
    if result.exit_code != 0:
        raise SandboxFileError(f"reading {path} failed: {files.clean(result.output)}")
    newlines, unterminated, encoded = (files.payload(result.output).split("\n", 2) + ["", ""])[:3]
    raw = files.decode(encoded)
    content = raw.decode("utf-8", errors="replace")
    total = int(newlines.strip() or 0) + int(unterminated.strip() or 0)
    lines = content.split("\n")  # as sed counts: only \n ends a line (not \r, \f or U+2028)
    lines = [line + "\n" for line in lines[:-1]] + ([lines[-1]] if lines[-1] else [])
    truncated = len(raw) >= budget
    cut_line = truncated and bool(lines) and not lines[-1].endswith("\n")
    if cut_line and len(lines) > 1:
        lines, cut_line = lines[:-1], False  # keep whole lines only
    answer: dict[str, Any] = {
        "path": path,
        "content": "".join(lines),
        "offset": first,
        "lines": len(lines),
        "total_lines": max(total, first - 1 + len(lines)) if lines else total,
    }
    if cut_line:  # one line longer than a whole read: say so, never skip the rest silently
        answer["note"] = (
            f"line {first} is cut after {len(lines[0])} characters (too long to read whole); "
            "see the rest with the terminal tool, e.g. cut -c or head -c"
        )
    elif not lines and first > total:
        answer["note"] = f"offset {first} is past the end: the file has {total} lines"
    elif truncated or first - 1 + len(lines) < answer["total_lines"]:
        answer["note"] = f"more lines follow; read again with offset={first + len(lines)}"
    return answer


class WriteFileArgs(BaseModel):
    path: str = Field(description="File to write; parent directories are created.")
    content: str = Field(description="The full new content of the file.")


@_guard
def write_file(args: dict[str, Any], task_id: str | None = None) -> dict[str, Any]:
    sandbox = sandbox_for(task_id)
    data = args["content"].encode("utf-8")
    files.write_bytes(sandbox, args["path"], data)
    return {"path": args["path"], "bytes_written": len(data)}


class PatchArgs(BaseModel):
    path: str = Field(description="File to edit.")
    old_string: str = Field(min_length=1, description="Exact text to replace; must occur exactly once.")
    new_string: str = Field(description="Replacement text.")
    replace_all: bool = Field(default=False, description="Replace every occurrence instead of exactly one.")


@_guard
def patch(args: dict[str, Any], task_id: str | None = None) -> dict[str, Any]:
    sandbox = sandbox_for(task_id)
    path, old, new = args["path"], args["old_string"], args["new_string"]
    text = files.read_bytes(sandbox, path, PATCH_MAX_BYTES).decode("utf-8", errors="surrogateescape")
    count = text.count(old)
    if count == 0:
        raise SandboxFileError(f"old_string not found in {path}; nothing changed")
    if count > 1 and not args.get("replace_all"):
        raise SandboxFileError(
            f"old_string occurs {count} times in {path}; add surrounding context to make it unique "
            "or set replace_all"
        )
    updated = text.replace(old, new) if args.get("replace_all") else text.replace(old, new, 1)
    files.write_bytes(sandbox, path, updated.encode("utf-8", errors="surrogateescape"))
    return {"path": path, "replacements": count if args.get("replace_all") else 1}


class SearchArgs(BaseModel):
    pattern: str = Field(description="Regular expression (content) or file-name glob (files).")
    path: str = Field(default=".", description="Directory (or file) to search.")
    target: Literal["content", "files"] = Field(
        default="content", description="'content' greps inside files, 'files' finds files by name."
    )
    file_glob: str | None = Field(default=None, description="Only search files whose name matches, e.g. *.py")
    ignore_case: bool = False
    max_results: int = Field(default=100, ge=1, le=1000)


@_guard
def search_files(args: dict[str, Any], task_id: str | None = None) -> dict[str, Any]:
    sandbox = sandbox_for(task_id)
    where, pattern, limit = quote_path(args["path"]), shlex.quote(args["pattern"]), args["max_results"]
    icase = "i" if args.get("ignore_case") else ""
    if args["target"] == "files":
        name_test = "-iname" if icase else "-name"
        script = f"echo {MARK}; find {where} -type f {name_test} {pattern} 2>/dev/null | head -n {limit + 1}"
    elif args.get("file_glob"):
        glob = shlex.quote(args["file_glob"])
        script = (
            f"echo {MARK}; find {where} -type f -name {glob} -exec grep -nHE{icase} -e {pattern} -- {{}} + "
            f"2>/dev/null | head -n {limit + 1}"
        )
    else:
        script = f"echo {MARK}; grep -rnHE{icase} -e {pattern} -- {where} 2>/dev/null | head -n {limit + 1}"
    check = sandbox.execute(f"[ -e {where} ] || {{ echo 'no such file or directory'; exit 2; }}")
    if check.exit_code != 0:
        raise SandboxFileError(f"{args['path']}: {files.clean(check.output)}")
    if args["target"] == "content":  # grep says 2 for a bad pattern: an error, not "no matches"
        probe = sandbox.execute(f"grep -E{icase} -e {pattern} /dev/null 2>&1; [ $? -ne 2 ]")
        if probe.exit_code != 0:
            detail = files.clean(probe.output).removeprefix("grep: ")
            raise SandboxFileError(f"invalid regular expression {args['pattern']!r}: {detail}")
    result = sandbox.execute(script)
    lines = [line for line in files.payload(result.output).splitlines() if line]
    truncated = len(lines) > limit
    lines = lines[:limit]
    if args["target"] == "files":
        return {"files": lines, "count": len(lines), "truncated": truncated}
    matches = []
    for line in lines:
        file, _, rest = line.partition(":")
        number, _, text = rest.partition(":")
        if number.isdigit():
            matches.append({"path": file, "line": int(number), "text": text})
    return {"matches": matches, "count": len(matches), "truncated": truncated}
