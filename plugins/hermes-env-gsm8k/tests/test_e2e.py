"""``hermes env run gsm8k process | serve | evaluate`` end to end, through atroposlib's own CLI.

Real parts only: the ``hermes`` command in a subprocess, atroposlib's ``run-api`` on a free loopback port
(the test plays the trainer: ``POST /register``, then ``GET /batch``), a tokenizer built locally and the
scripted OpenAI-compatible server playing a model that solves half of the problems with the python tool.
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

pytest.importorskip("atroposlib", reason="the RL environments need atroposlib")
pytest.importorskip("hermes_tools_terminal.local", reason="hermes-tools-terminal provides the local backend")

from hermes_testkit.openai_server import ScriptedOpenAIServer
from hermes_testkit.ports import free_port, listens
from hermes_testkit.processes import stop

pytestmark = pytest.mark.slow

HERMES = [sys.executable, "-c", "import sys; from hermes_core.cli import main; main(sys.argv[1:])"]


def child_env() -> dict[str, str]:
    return {**os.environ, "HF_HUB_OFFLINE": "1", "WANDB_MODE": "disabled", "TERMINAL_ENV": "local"}


def server_flags(server: ScriptedOpenAIServer, env_tokenizer_dir: str) -> list[str]:
    return [
        "--env.use_wandb", "False",
        "--env.tokenizer_name", env_tokenizer_dir,
        "--openai.base_url", server.base_url,
        "--openai.model_name", "solver",
        "--openai.api_key", "x",
        "--openai.health_check", "False",
    ]  # fmt: skip


def sandbox_dirs() -> set[str]:
    return set(glob.glob(os.path.join(tempfile.gettempdir(), "hermes-gsm8k-*")))


def http(method: str, url: str, body: dict | None = None) -> dict:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        url, data=data, method=method, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def test_process_writes_scored_groups_and_html(tmp_path, env_tokenizer_dir, solver_factory):
    solver = solver_factory()
    out = tmp_path / "groups.jsonl"
    sandboxes_before = sandbox_dirs()
    with ScriptedOpenAIServer() as server:
        server.responder = solver.chat_responder
        done = subprocess.run(
            [*HERMES, "env", "run", "gsm8k", "process", "--env.total_steps", "2", "--env.group_size", "2",
             "--env.data_path_to_save_groups", str(out), *server_flags(server, env_tokenizer_dir)],
            env=child_env(), capture_output=True, text=True, timeout=180, check=False, cwd=tmp_path,
        )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    groups = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(groups) == 2
    questions = []
    for group in groups:
        assert group["scores"] == [1.0, 0.0] or group["scores"] == [0.0, 1.0]
        assert len(group["tokens"]) == len(group["masks"]) == 2
        assert all(len(t) == len(m) for t, m in zip(group["tokens"], group["masks"], strict=True))
        for score, messages in zip(group["scores"], group["messages"], strict=True):
            question = messages[1]["content"]
            code = json.loads(messages[2]["tool_calls"][0]["function"]["arguments"])["code"]
            assert score == (1.0 if code == f"print({solver.gold[question]})" else 0.0)
            questions.append(question)
    assert len(set(questions)) == 2  # one problem per group
    html = out.with_suffix(".html")
    assert html.exists() and html.stat().st_size > 1000
    assert sandbox_dirs() <= sandboxes_before  # every rollout's sandbox was removed


def test_evaluate_reports_accuracy_on_the_test_split(tmp_path, env_tokenizer_dir, solver_factory):
    solver = solver_factory(policy=lambda question, attempt: attempt == 0 and len(question) % 2 == 0)
    evals = tmp_path / "evals"
    with ScriptedOpenAIServer() as server:
        server.responder = solver.chat_responder
        done = subprocess.run(
            [*HERMES, "env", "run", "gsm8k", "evaluate", "--env.eval_limit", "6",
             "--env.data_dir_to_save_evals", str(evals), *server_flags(server, env_tokenizer_dir)],
            env=child_env(), capture_output=True, text=True, timeout=180, check=False, cwd=tmp_path,
        )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    expected = sum(correct for _, correct in solver.decisions) / 6
    metrics = json.loads((evals / "metrics.json").read_text())["results"]["all"]
    assert metrics["eval/percent_correct"] == pytest.approx(expected) and metrics["eval/rollouts"] == 6
    assert len((evals / "samples.jsonl").read_text().splitlines()) == 6


def wait_for_api(api: str, process: subprocess.Popen, log: Path) -> None:
    """Until ``process`` itself answers at ``api`` (not another process that took the port first)."""
    deadline = time.monotonic() + 30
    while True:
        try:
            http("GET", api + "/")
            if listens(process.pid, int(api.rsplit(":", 1)[1])):
                return
            raise OSError("another process answers on the port")
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                raise AssertionError(log.read_text()) from None
            time.sleep(0.1)


def test_serve_delivers_a_batch_to_the_trainer(tmp_path, env_tokenizer_dir, solver_factory):
    if shutil.which("run-api") is None:
        pytest.skip("atroposlib's run-api is not on PATH")
    solver = solver_factory()
    port = free_port()
    api = f"http://127.0.0.1:{port}"
    api_log, env_log = tmp_path / "api.log", tmp_path / "env.log"
    with contextlib.ExitStack() as stack:
        rollout_api = subprocess.Popen(
            ["run-api", "--host", "127.0.0.1", "--port", str(port)],
            env=child_env(),
            stdout=stack.enter_context(open(api_log, "w")),
            stderr=subprocess.STDOUT,
        )
        stack.callback(stop, rollout_api)
        wait_for_api(api, rollout_api, api_log)
        # the trainer's side: register, then ask for a batch (which also marks the run as started)
        http("POST", api + "/register", {
            "wandb_group": "test", "wandb_project": "test", "batch_size": 4, "max_token_len": 16384,
            "checkpoint_dir": str(tmp_path / "ckpt"), "save_checkpoint_interval": -1, "starting_step": 0,
            "num_steps": 10,
        })  # fmt: skip
        assert http("GET", api + "/batch")["batch"] is None
        server = stack.enter_context(ScriptedOpenAIServer())
        server.responder = solver.chat_responder
        flags = ["--env.rollout_server_url", api, "--env.group_size", "2", "--env.max_num_workers", "2"]
        env_process = subprocess.Popen(
            [*HERMES, "env", "run", "gsm8k", "serve", *flags, *server_flags(server, env_tokenizer_dir)],
            env=child_env(),
            stdout=stack.enter_context(open(env_log, "w")),
            stderr=subprocess.STDOUT,
            cwd=tmp_path,
        )
        stack.callback(stop, env_process)
        batch = None
        deadline = time.monotonic() + 90
        while batch is None:
            assert env_process.poll() is None, env_log.read_text()[-3000:]
            assert time.monotonic() < deadline, env_log.read_text()[-3000:]
            time.sleep(0.2)
            batch = http("GET", api + "/batch")["batch"]
    assert sum(len(group["tokens"]) for group in batch) == 4  # the trainer's batch size
    for group in batch:
        assert sorted(group["scores"]) == [0.0, 1.0]
        assert group["env_id"] == 0
        assert all(len(t) == len(m) for t, m in zip(group["tokens"], group["masks"], strict=True))
