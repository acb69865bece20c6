"""One trial: a plain function of (task directory, attempt, options) → result dict.

Harbor's order (``harbor/trial/single_step.py``): build the image (cached) → start the sandbox with the
declared limits → the agent phase under ``[agent] timeout_sec`` → ``tests/`` copied in → the verifier →
the reward file; the sandbox is removed on every path. Every failure is the trial's ``error``
(``{"kind", "message"}``) and leaves ``reward`` empty; nothing raises out of :func:`run_trial`, so a job
(or a Ray task: the arguments and the result are plain JSON) goes on with its other trials.

When ``options["job_dir"]`` is set the trial writes ``<job_dir>/<task>__<attempt>/``: ``result.json``
(written last, so a trial that has one is complete: what ``--resume`` trusts), ``trajectory.jsonl``
(ShareGPT, as ``hermes run --save-trajectory``), ``agent/trajectory.json`` (ATIF), ``agent/oracle.txt``
and ``verifier/`` (test-stdout.txt, reward files).
"""

from __future__ import annotations

import json
import os
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from hermes_env_harbor.task import TrialError, load_task

RESULT_FILE = "result.json"
STORAGE_NOT_ENFORCED = (
    "[environment] storage_mb = {mb} is not enforced: no terminal backend sets a disk quota (Docker's "
    "--storage-opt size= needs overlay2 on xfs mounted with pquota)"
)
STOPPING = threading.Event()
"""Set when the command is interrupted (Ctrl-C, SIGTERM): the sandboxes are being removed under the
trials still running, so what they end with is no result; they write no ``result.json`` and ``--resume``
runs them again."""


def trial_name(task_name: str, attempt: int) -> str:
    return f"{task_name}__{attempt}"


def run_trial(task_dir: str, attempt: int, options: dict[str, Any]) -> dict[str, Any]:
    """Run one trial; see the module docstring. ``options``: ``agent`` (name, default ``oracle``),
    ``agent_options`` (model, base_url, ... for the hermes agent), ``backend`` (default ``docker``),
    ``job_dir`` (where to write, or ``None``)."""
    return Trial(Path(task_dir), attempt, options).run()


class Trial:
    """One trial's state while it runs: the result being filled, the files to save, the phase times."""

    def __init__(self, path: Path, attempt: int, options: dict[str, Any]) -> None:
        self.path, self.attempt, self.options = path, attempt, options
        self.seconds: dict[str, float] = {}
        self.result: dict[str, Any] = {
            "task": path.name,
            "attempt": attempt,
            "reward": None,
            "rewards": {},
            "error": None,
            "seconds": self.seconds,
            "agent": options.get("agent") or "oracle",
            "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        job_dir = options.get("job_dir")
        self.dir = Path(job_dir) / trial_name(path.name, attempt) if job_dir else None
        self.files: dict[str, str] = {}
        self.task_id = f"harbor-{uuid.uuid4().hex[:12]}"

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        begun = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = round(time.perf_counter() - begun, 3)

    def warn(self, message: str) -> None:
        self.result.setdefault("warnings", []).append(message)

    def run(self) -> dict[str, Any]:
        started = time.perf_counter()
        try:
            self._steps()
        except TrialError as exc:
            self.result["error"] = exc.to_dict()
        except Exception as exc:  # a bug or an engine failure: still this trial's error only
            self.result["error"] = {"kind": "internal_error", "message": f"{type(exc).__name__}: {exc}"}
        finally:
            with self.phase("cleanup"):
                _cleanup(self.task_id, self.result)
        if self.result["error"] is not None:
            self.result["reward"] = None
        self.seconds["total"] = round(time.perf_counter() - started, 3)
        if STOPPING.is_set():
            self.result["error"] = {"kind": "interrupted", "message": f"task {self.path.name}: interrupted"}
            return self.result  # not saved: a trial cut short is not finished
        if self.dir is not None:
            key = (self.options.get("agent_options") or {}).get("api_key")
            _write(self.dir, self.result, self.files, [key] if key and key != "EMPTY" else [])
        return self.result

    def _steps(self) -> None:
        from hermes_env_harbor import sandbox as box
        from hermes_env_harbor.agents import AgentContext, agent_class
        from hermes_env_harbor.images import prepare_image
        from hermes_env_harbor.verifier import Verdict, verify

        task = load_task(self.path)
        if task.environment.gpus:
            message = (
                f"task {task.name}: asks for {task.environment.gpus} GPU(s); the docker backend attaches none"
            )
            raise TrialError("gpus_unsupported", message)
        try:
            agent = agent_class(self.result["agent"])()
        except Exception as exc:
            raise TrialError("unknown_agent", str(exc)) from None
        with self.phase("build"):
            image = prepare_image(task)
        self.result["image"] = {"tag": image.tag, "cached": image.cached}
        if task.environment.storage_mb is not None:  # said in the result, never silently dropped
            self.result["not_enforced"] = {"storage_mb": task.environment.storage_mb}
            self.warn(STORAGE_NOT_ENFORCED.format(mb=task.environment.storage_mb))
        with self.phase("start"):
            sandbox = box.start_sandbox(self.task_id, task, image, self.options.get("backend") or "docker")
        logs_dir = self.dir / "agent" if self.dir is not None else None
        if logs_dir is not None:
            logs_dir.mkdir(parents=True, exist_ok=True)
        options = dict(self.options.get("agent_options") or {})
        context = AgentContext(task, sandbox, self.task_id, logs_dir, options)
        agent_error: TrialError | None = None
        outcome: dict[str, Any] = {}
        user = None if agent.picks_users else task.agent_user
        with self.phase("agent"), box.default_user(sandbox, user):
            try:
                outcome = agent.run(context) or {}
            except TrialError as exc:
                agent_error = exc
            except Exception as exc:
                agent_error = TrialError("agent_failed", f"task {task.name}: {type(exc).__name__}: {exc}")
        self._keep(outcome, trial_name(task.name, self.attempt))
        if agent_error is None and outcome.get("error"):
            agent_error = TrialError("agent_failed", f"task {task.name}: {outcome['error']}")
        verdict = Verdict()
        try:
            with self.phase("verify"):
                verify(sandbox, task, verdict)  # after an agent error too: Harbor grades those trials
        finally:
            self.result["rewards"] = verdict.rewards
            self.files.update({f"verifier/{name}": text for name, text in verdict.files.items()})
        if agent_error is not None:
            raise agent_error
        self.result["reward"] = verdict.reward

    def _keep(self, outcome: dict[str, Any], name: str) -> None:
        """What the agent returned, kept: its conversation as ShareGPT (``trajectory.jsonl``) and ATIF
        (``agent/trajectory.json``), the oracle's log."""
        if "exit_code" in outcome:
            self.result["agent_exit_code"] = outcome["exit_code"]
        if outcome.get("log") is not None:
            self.files["agent/oracle.txt"] = outcome["log"]
        messages = outcome.get("messages")
        if not messages:
            return
        from hermes_agent_loop.trajectory import to_sharegpt
        from hermes_env_harbor import __version__
        from hermes_env_harbor.atif import to_atif

        record = {
            "id": name,
            "prompt": next((m.get("content") for m in messages if m.get("role") == "user"), None),
            "model": outcome.get("model"),
            **to_sharegpt(messages, outcome.get("tools"), outcome.get("ephemeral_system_prompt")),
            **(outcome.get("result") or {}),
            "seconds": outcome.get("seconds"),
        }
        self.files["trajectory.jsonl"] = json.dumps(record, ensure_ascii=False) + "\n"
        atif = to_atif(messages, agent="hermes", version=__version__, model=outcome.get("model"),
                       session_id=self.task_id, tools=outcome.get("tools"))  # fmt: skip
        if atif["steps"]:
            self.files["agent/trajectory.json"] = json.dumps(atif, ensure_ascii=False, indent=2)
        self.result["turns"] = (outcome.get("result") or {}).get("turns_used")


def _cleanup(task_id: str, result: dict[str, Any]) -> None:
    from hermes_core.sandboxes import cleanup_task

    try:
        cleanup_task(task_id)
    except Exception as exc:  # a sandbox that will not go is reported, never hides the result
        result.setdefault("warnings", []).append(f"cleanup: {type(exc).__name__}: {exc}")


def _write(trial_dir: Path, result: dict[str, Any], files: dict[str, str], secrets: list[str]) -> None:
    """The trial's files, secrets masked, then ``result.json`` by an atomic rename."""
    from hermes_core.secrets import mask_secrets

    trial_dir.mkdir(parents=True, exist_ok=True)
    for relative, text in files.items():
        target = trial_dir / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(mask_secrets(text, extra=secrets), encoding="utf-8")
    temporary = trial_dir / f".{RESULT_FILE}.{os.getpid()}.tmp"
    text = mask_secrets(json.dumps(result, indent=2, ensure_ascii=False), extra=secrets)
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, trial_dir / RESULT_FILE)


def read_result(trial_dir: Path) -> dict[str, Any] | None:
    """A finished trial's result, or ``None`` (no result.json, or one cut short)."""
    try:
        return json.loads((trial_dir / RESULT_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
