"""Moving file content in and out of any sandbox with nothing but ``Sandbox.execute``.

The file tools and an environment's ``ToolContext`` work on every backend (local, ssh, docker, modal, ...)
because they need only a POSIX shell there: content crosses as base64 in chunks (one argv string stays
under 128 KiB; each answer fits the backend's output cap), every path is ``shlex``-quoted, and writes go
through a temporary file renamed at the end, so nobody reads half a file.
"""

from __future__ import annotations

import base64
import binascii
import shlex

from hermes_core.registry import HermesError
from hermes_core.terminal import DEFAULT_MAX_OUTPUT, Sandbox

MARK = "@@HERMES-DATA@@"  # what follows it is ours, whatever a login shell printed before
WRITE_CHUNK = 60_000  # base64 characters per command


class SandboxFileError(HermesError):
    """A file operation in a sandbox failed; the message says which file and why."""


class SandboxFileNotFound(SandboxFileError, FileNotFoundError):
    pass


def quote_path(path: str) -> str:
    """Quote ``path`` for the shell, keeping a leading ``~/`` meaningful; a name starting with ``-``
    gets ``./`` so that no command (``find``, ``tail``, ``sed``) takes it for an option."""
    if path.startswith("-"):
        path = "./" + path
    if path == "~":
        return '"$HOME"'
    if path.startswith("~/"):
        return '"$HOME"/' + shlex.quote(path[2:])
    return shlex.quote(path)


def clean(output: str) -> str:
    """A sandbox's output fit for an error message: our data marker never shows."""
    return output.replace(MARK + "\n", "").replace(MARK, "").strip()


def payload(output: str) -> str:
    """What follows the data marker (the shell may have printed noise before it)."""
    _, sep, tail = output.rpartition(MARK + "\n")
    if not sep:
        raise SandboxFileError(clean(output) or "no output from the sandbox")
    return tail


def read_budget(sandbox: Sandbox) -> int:
    """Bytes one command may return as base64 without hitting the sandbox's output cap."""
    limit = getattr(sandbox, "max_output", DEFAULT_MAX_OUTPUT) or DEFAULT_MAX_OUTPUT
    return max(1024, (limit - 200) * 3 // 4)


def file_size(sandbox: Sandbox, path: str) -> int:
    q = quote_path(path)
    # a device (/dev/zero) or a FIFO would never end: refused before anything reads it
    script = (
        f"if [ -d {q} ]; then echo 'is a directory'; exit 3; fi; "
        f"if [ ! -e {q} ]; then echo 'no such file'; exit 2; fi; "
        f"if [ ! -f {q} ]; then echo 'not a regular file (a device, FIFO or socket)'; exit 5; fi; "
        f"if [ ! -r {q} ]; then echo 'permission denied'; exit 4; fi; "
        f"echo {MARK}; wc -c < {q}"
    )
    result = sandbox.execute(script)
    if result.exit_code == 2:
        raise SandboxFileNotFound(f"{path}: no such file")
    if result.exit_code != 0:
        raise SandboxFileError(f"{path}: {clean(result.output)}")
    return int(payload(result.output).strip().split()[0])


def decode(text: str) -> bytes:
    try:
        return base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise SandboxFileError(f"sandbox returned data that is not base64: {exc}") from None


def read_bytes(sandbox: Sandbox, path: str, max_bytes: int | None = None) -> bytes:
    """The whole file, fetched in chunks that each fit the output cap."""
    size = file_size(sandbox, path)
    if max_bytes is not None and size > max_bytes:
        raise SandboxFileError(f"{path} is {size} bytes, more than the {max_bytes} this tool handles")
    q, chunk, data = quote_path(path), read_budget(sandbox), bytearray()
    while len(data) < size:
        script = f"echo {MARK}; tail -c +{len(data) + 1} {q} | head -c {chunk} | base64 | tr -d '\\n'"
        result = sandbox.execute(script)
        if result.exit_code != 0:
            raise SandboxFileError(f"reading {path} failed: {clean(result.output)}")
        piece = decode(payload(result.output))
        if not piece:
            break
        data += piece
    return bytes(data)


def write_bytes(sandbox: Sandbox, path: str, data: bytes) -> None:
    """Write through a temporary file renamed over the target at the end (no half-written file).

    The rename goes to where a symlink points, and an existing file keeps its permissions, so editing a
    script leaves it executable and editing through a link changes the linked file.
    """
    q = quote_path(path)
    tmp = quote_path(path + ".hermes-tmp")
    encoded = base64.b64encode(data).decode("ascii")
    chunks = [encoded[i : i + WRITE_CHUNK] for i in range(0, len(encoded), WRITE_CHUNK)] or [""]
    for index, chunk in enumerate(chunks):
        redirect = ">" if index == 0 else ">>"
        prefix = (
            f"if [ -d {q} ]; then echo 'is a directory'; exit 3; fi; mkdir -p -- \"$(dirname -- {q})\" && "
            if index == 0
            else ""
        )
        result = sandbox.execute(f"{prefix}printf %s {shlex.quote(chunk)} | base64 -d {redirect} {tmp}")
        if result.exit_code != 0:
            sandbox.execute(f"rm -f -- {tmp}")
            raise SandboxFileError(f"writing {path} failed: {clean(result.output)}")
    result = sandbox.execute(
        f't={q}; if [ -L "$t" ]; then t=$(readlink -f -- "$t") || exit 1; fi; '
        f'if [ -e "$t" ]; then m=$(stat -c %a -- "$t" 2>/dev/null) && chmod "$m" {tmp}; fi; '
        f'mv -f -- {tmp} "$t"'
    )
    if result.exit_code != 0:
        sandbox.execute(f"rm -f -- {tmp}")
        raise SandboxFileError(f"writing {path} failed: {clean(result.output)}")
