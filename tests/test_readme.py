"""The README's "Using it" block runs exactly as written, against a scripted model server on port 8000."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from hermes_testkit.openai_server import ScriptedOpenAIServer, reply

REPO = Path(__file__).resolve().parent.parent
PORT = 8000  # the port the README's block names


def using_it_block() -> str:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Using it\n", 1)[1]
    return section.split("```sh\n", 1)[1].split("\n```", 1)[0]


def port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


USED = ("hermes-agent-loop", "hermes-tools-terminal", "hermes-parsers", "hermes-envs")
"""The distributions the block's commands come from: the README's install brings them all."""


@pytest.mark.slow
def test_every_line_of_using_it_runs_as_written(tmp_path):
    from importlib.metadata import PackageNotFoundError, distribution

    for name in USED:
        try:
            distribution(name)
        except PackageNotFoundError:
            pytest.skip(f"{name} is not installed (the README's install brings it)")
    if not port_is_free(PORT):
        pytest.skip(f"port {PORT}, which the README names, is taken here")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "TERMINAL_", "HERMES_"))}
    env["HERMES_HOME"] = str(tmp_path / "home")
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    with ScriptedOpenAIServer(port=PORT) as server:
        server.responder = lambda body: reply("There are 3 files.")
        done = subprocess.run(
            ["bash", "-e", "-o", "pipefail", "-c", using_it_block()],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    out = done.stdout
    assert '"output": "hello"' in out  # cat notes.txt in the task folder write_file wrote to
    assert "There are 3 files." in out  # hermes run's answer from the model server
    assert "removed 1 task folder(s)" in out
    lines = (tmp_path / "runs" / "trajectories.jsonl").read_text().splitlines()
    records = [json.loads(line) for line in lines]
    assert len(records) == 1 and server.requests  # the batch's one prompt reached the server
