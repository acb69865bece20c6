"""The verifier phase, in Harbor's order (``harbor/verifier/verifier.py``, ``Verifier.verify``).

Stale reward files are removed, ``tests/`` is copied to ``/tests`` (only now: the agent never saw it),
``/tests/test.sh`` is made executable as root (Harbor's ``chmod +x`` before running a ``.sh``), then run
as ``[verifier] user`` with ``[verifier.env]`` under ``[verifier] timeout_sec``, its output going to
``/logs/verifier/test-stdout.txt``. ``reward.json`` is read before ``reward.txt`` when both exist, as
Harbor does; a text reward must be one finite float, a JSON one an object of finite numbers.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field

from hermes_core.terminal import Sandbox, SandboxError
from hermes_env_harbor import sandbox as box
from hermes_env_harbor.task import HarborTask, TrialError

TEST_SCRIPT = box.TESTS / "test.sh"
TEST_STDOUT = box.VERIFIER_LOGS / "test-stdout.txt"
REWARD_TXT = box.VERIFIER_LOGS / "reward.txt"
REWARD_JSON = box.VERIFIER_LOGS / "reward.json"
CANNOT_EXECUTE = (126, 127)
"""The shell's status for a script it could not run (bad interpreter, no such file), with a message that
names the script: told apart from a test that exits 127 itself."""


@dataclass
class Verdict:
    rewards: dict[str, float] = field(default_factory=dict)
    reward: float | None = None
    exit_code: int | None = None
    files: dict[str, str] = field(default_factory=dict)
    """What the verifier left in /logs/verifier (test-stdout.txt, reward files), by file name."""


def main_reward(rewards: dict[str, float], task: str) -> float:
    """The trial's reward: the ``reward`` key, else the only key (several others: ambiguous)."""
    if "reward" in rewards:
        return rewards["reward"]
    if len(rewards) == 1:
        return next(iter(rewards.values()))
    message = f"task {task}: reward.json has several rewards {sorted(rewards)} and no 'reward'"
    raise TrialError("reward_file_invalid", message)


def parse_reward_json(text: str, task: str) -> dict[str, float]:
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise TrialError("reward_file_invalid", f"task {task}: reward.json is not JSON: {exc}") from None
    if not isinstance(data, dict) or not data:
        raise TrialError("reward_file_invalid", f"task {task}: reward.json must be an object of named floats")
    rewards = {}
    for key, value in data.items():
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            message = f"task {task}: reward.json: {key} = {value!r} is not a number"
            raise TrialError("reward_file_invalid", message)
        rewards[str(key)] = float(value)
    return rewards


def parse_reward_text(text: str, task: str) -> dict[str, float]:
    try:
        value = float(text.strip())
    except ValueError:
        message = f"task {task}: reward.txt holds {text.strip()[:80]!r}, not a float"
        raise TrialError("reward_file_invalid", message) from None
    if not math.isfinite(value):
        raise TrialError("reward_file_invalid", f"task {task}: reward.txt holds {value!r}")
    return {"reward": value}


def verify(sandbox: Sandbox, task: HarborTask, verdict: Verdict) -> Verdict:
    """Run the task's tests in ``sandbox`` and fill ``verdict`` (kept filled as far as it got when a
    :class:`TrialError` is raised, so the trial still saves the verifier's output)."""
    name = task.name
    try:
        box.upload(sandbox, box.archive([(task.tests_dir, box.TESTS)]))
    except SandboxError as exc:
        message = f"task {name}: copying tests/ into the sandbox failed: {exc}"
        raise TrialError("verifier_failed", message) from exc
    ran = box.run_script(
        sandbox, TEST_SCRIPT, TEST_STDOUT, task.verifier_timeout_sec, user=task.verifier_user,
        env=task.verifier_env, bring_back=(REWARD_JSON, REWARD_TXT),
        before=f"rm -f {REWARD_TXT} {REWARD_JSON}",  # stale rewards never count
    )  # fmt: skip
    verdict.exit_code = ran.exit_code
    verdict.files.update(ran.files)
    if ran.timed_out:
        message = f"task {name}: tests/test.sh ran past {task.verifier_timeout_sec:g}s"
        raise TrialError("verifier_timeout", message)
    said = (verdict.files.get(TEST_STDOUT.name) or ran.output).strip()[-300:]
    if REWARD_JSON.name in verdict.files:
        verdict.rewards = parse_reward_json(verdict.files[REWARD_JSON.name], name)
    elif REWARD_TXT.name in verdict.files:
        verdict.rewards = parse_reward_text(verdict.files[REWARD_TXT.name], name)
    elif ran.exit_code in CANNOT_EXECUTE and f"{TEST_SCRIPT}:" in said:
        raise TrialError("test_not_executable", f"task {name}: tests/test.sh cannot be executed: {said}")
    else:
        raise TrialError(
            "reward_file_missing",
            f"task {name}: tests/test.sh (exit {ran.exit_code}) wrote neither {REWARD_TXT} nor "
            f"{REWARD_JSON}; its output ends: {said}",
        )
    verdict.reward = main_reward(verdict.rewards, name)
    return verdict
