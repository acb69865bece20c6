"""The task format, rewards, summary and ATIF without Docker; and, where Harbor itself is installed (a
Python 3.12 venv), the same values read by Harbor's own ``TaskConfig`` and ATIF model."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from harbor_kit import TASKS
from hermes_env_harbor.atif import to_atif
from hermes_env_harbor.images import content_hash, image_tag
from hermes_env_harbor.sandbox import as_user
from hermes_env_harbor.summary import pass_at_k, summarise
from hermes_env_harbor.task import TrialError, find_tasks, load_task, size_to_mb
from hermes_env_harbor.verifier import main_reward, parse_reward_json, parse_reward_text

from hermes_testkit.commands import CommandConformance

REPOSITORY_VENV = Path(__file__).resolve().parents[3] / ".cache" / "harbor-ref" / "bin" / "python"
HARBOR_PYTHON = Path(os.environ.get("HERMES_HARBOR_PYTHON") or REPOSITORY_VENV)
"""Where ``scripts/reference_tools.sh`` installs Harbor (and ``scripts/test`` points this variable)."""


def test_every_field_of_task_toml_is_read_and_unknown_keys_are_kept():
    task = load_task(TASKS / "hello")
    assert task.name == "hello" and task.schema_version == "1.0"
    assert task.instruction.startswith("Write the line `Hello, world!`")
    assert task.metadata == {
        "author_name": "hermes", "difficulty": "easy", "category": "file-operations",
        "tags": ["smoke", "fields"],
    }  # fmt: skip
    assert (task.agent_timeout_sec, task.verifier_timeout_sec) == (120.0, 60.0) and task.agent_user == "agent"
    assert task.verifier_user == "tester" and task.verifier_env == {"EXPECTED_GREETING": "Hello, world!"}
    assert task.solution_env == {"GREETING": "Hello, world!"}
    env = task.environment
    assert (env.build_timeout_sec, env.cpus, env.memory_mb, env.storage_mb, env.gpus) == (
        300.0,
        1.0,
        256,
        1024,
        0,
    )
    assert env.allow_internet is False and env.workdir == "/app" and env.docker_image is None
    assert task.extra == {"source": "hermes-tests", "environment.os": "linux"}


def test_defaults_are_harbors():
    task = load_task(TASKS / "compose-main")
    assert task.agent_timeout_sec is None and task.verifier_timeout_sec == 600.0
    assert task.environment.build_timeout_sec == 600.0 and task.environment.allow_internet is True
    assert load_task(TASKS / "prebuilt").environment.docker_image == "debian:bookworm-slim"


@pytest.mark.parametrize(
    ("text", "mb"), [("2G", 2048), ("512M", 512), ("1.5g", 1536), ("2048K", 2), (300, 300)]
)
def test_sizes_as_harbor_parses_them(text, mb):
    assert size_to_mb(text, "memory") == mb


@pytest.mark.parametrize(
    ("name", "kind"),
    [("bad-toml", "invalid_task_toml"), ("no-instruction", "instruction_missing"),
     ("no-environment", "environment_missing")],
)  # fmt: skip
def test_a_bad_task_is_an_error_naming_the_task_and_the_reason(name, kind):
    with pytest.raises(TrialError) as caught:
        load_task(TASKS / name)
    assert caught.value.kind == kind and f"task {name}" in caught.value.message


def test_bad_values_and_missing_tests(tmp_path):
    task = tmp_path / "t"
    (task / "environment").mkdir(parents=True)
    (task / "environment" / "Dockerfile").write_text("FROM debian:bookworm-slim\n")
    (task / "instruction.md").write_text("x")
    (task / "task.toml").write_text('[environment]\nmemory = "lots"\n')
    with pytest.raises(TrialError, match="memory = 'lots'"):
        load_task(task)
    (task / "task.toml").write_text("[verifier]\ntimeout_sec = 'soon'\n")
    with pytest.raises(TrialError, match="timeout_sec must be a number"):
        load_task(task)
    (task / "task.toml").write_text("")
    with pytest.raises(TrialError) as caught:
        load_task(task)
    assert caught.value.kind == "tests_missing"


def test_paths_are_tasks_or_directories_of_tasks(tmp_path):
    assert find_tasks([TASKS / "hello"]) == [TASKS / "hello"]
    found = find_tasks([TASKS])
    assert len(found) >= 15 and found == sorted(found) and TASKS / "hello" in found
    with pytest.raises(TrialError, match="neither a task"):
        find_tasks([tmp_path])


def test_image_tag_hashes_the_environment_folder(tmp_path):
    env = tmp_path / "My Task" / "environment"
    env.mkdir(parents=True)
    (env / "Dockerfile").write_text("FROM debian:bookworm-slim\n")
    first = content_hash(env)
    (env / "__pycache__").mkdir()
    (env / "__pycache__" / "x.pyc").write_bytes(b"noise")
    assert content_hash(env) == first  # ignored, as Harbor ignores it
    (env / "data.txt").write_text("more")
    assert content_hash(env) != first
    tag = image_tag(load_task_stub(tmp_path / "My Task"))
    assert tag.startswith("hermes-harbor/my-task:") and tag.endswith(content_hash(env))


def load_task_stub(path: Path):
    from hermes_env_harbor.task import HarborTask

    return HarborTask(path=path, name=path.name, instruction="")


def test_a_prebuilt_image_needs_no_docker_engine_here(monkeypatch):
    """A backend that pulls images itself (modal) runs ``docker_image`` tasks without a local engine."""
    from hermes_env_harbor import images

    def no_engine():
        raise images.TrialError("environment_start_failed", "no engine")

    monkeypatch.setattr(images, "docker_client", no_engine)
    prepared = images.prepare_image(load_task(TASKS / "prebuilt"))
    assert (prepared.tag, prepared.workdir, prepared.built) == ("debian:bookworm-slim", None, False)
    with pytest.raises(images.TrialError, match="no engine"):  # a Dockerfile does need one
        images.prepare_image(load_task(TASKS / "wrong-oracle"))


def test_reward_files():
    assert parse_reward_text(" 0.75\n", "t") == {"reward": 0.75}
    assert main_reward(parse_reward_json('{"reward": 1, "style": 0.5}', "t"), "t") == 1.0
    assert main_reward(parse_reward_json('{"accuracy": 0.25}', "t"), "t") == 0.25
    for bad in ('{"a": 1, "b": 2}', '{"reward": "high"}', "[1]", "{}", "not json", '{"reward": NaN}'):
        with pytest.raises(TrialError) as caught:
            main_reward(parse_reward_json(bad, "t"), "t")
        assert caught.value.kind == "reward_file_invalid"
    with pytest.raises(TrialError, match="not a float"):
        parse_reward_text("passed", "t")


def test_summary_mean_pass_at_k_and_errors():
    def trial(task, reward, kind=None):
        error = {"kind": kind, "message": "m"} if kind else None
        return {"task": task, "reward": reward, "error": error, "seconds": {"agent": 1.0, "total": 2.0}}

    trials = [trial("a", 1.0), trial("a", 0.0), trial("a", 0.0), trial("b", 1.0), trial("b", 1.0),
              trial("b", None, "agent_timeout")]  # fmt: skip
    summary = summarise(trials)
    assert summary["mean_reward"] == pytest.approx(3 / 6)  # a trial without a reward counts as 0
    assert summary["errors"] == 1 and summary["errors_by_kind"] == {"agent_timeout": 1}
    # task a: n=3, c=1; task b: n=2, c=2 (the errored trial has no reward: left out, as Harbor does)
    assert pass_at_k(trials) == {1: pytest.approx((1 / 3 + 1) / 2), 2: pytest.approx((2 / 3 + 1) / 2)}
    assert summary["seconds"] == {"agent": 1.0, "total": 2.0}
    assert pass_at_k([{"task": "a", "reward": 0.5}]) == {}  # not binary: no pass@k


def test_commands_as_the_verifier_user_with_its_environment():
    assert as_user("echo hi") == "(\necho hi\n)"  # a subshell: its exports do not leak
    command = as_user("echo $X", "tester", {"X": "a b'c"})
    assert "runuser -u tester -- sh -c" in command and 'su -s "$(command -v sh)" tester' in command
    assert "runuser -u tester -- bash -c" in as_user("echo", "tester", shell="bash")
    completed = subprocess.run(["sh", "-c", as_user('echo "$X"', None, {"X": "a b'c"})], capture_output=True)
    assert completed.stdout == b"a b'c\n"


CONVERSATION = [
    {"role": "system", "content": "be brief"},
    {"role": "user", "content": "make hello"},
    {"role": "assistant", "content": None, "tool_calls": [{
        "id": "c1", "type": "function", "function": {"name": "terminal", "arguments": '{"command": "ls"}'},
    }]},
    {"role": "tool", "tool_call_id": "c1", "content": '{"output": "x", "exit_code": 0}'},
    {"role": "assistant", "content": "done"},
]  # fmt: skip


def test_atif_steps():
    atif = to_atif(CONVERSATION, agent="hermes", version="0.1.0", model="m", session_id="s")
    assert [s["source"] for s in atif["steps"]] == ["system", "user", "agent", "agent"]
    assert [s["step_id"] for s in atif["steps"]] == [1, 2, 3, 4]
    call = atif["steps"][2]
    assert call["tool_calls"] == [
        {"tool_call_id": "c1", "function_name": "terminal", "arguments": {"command": "ls"}}
    ]
    assert call["observation"]["results"][0]["source_call_id"] == "c1"


# -- Harbor itself as the reference (Python >= 3.12 venv with `pip install harbor`) --------------------

needs_harbor = pytest.mark.skipif(
    not HARBOR_PYTHON.exists()
    or subprocess.run([str(HARBOR_PYTHON), "-c", "import harbor"], capture_output=True).returncode != 0,
    reason=f"Harbor is not installed at {HARBOR_PYTHON} (bash scripts/reference_tools.sh, or a Python 3.12 "
    "venv with `pip install harbor` named by HERMES_HARBOR_PYTHON)",
)

HARBOR_READ = """
import json, sys, warnings
warnings.simplefilter("ignore")
from harbor.models.task.config import TaskConfig
out = {}
for path in sys.argv[1:]:
    c = TaskConfig.model_validate_toml(open(path + "/task.toml").read())
    e = c.environment
    out[path] = {
        "schema_version": c.schema_version, "metadata": c.metadata,
        "agent_timeout_sec": c.agent.timeout_sec, "agent_user": c.agent.user,
        "verifier_timeout_sec": c.verifier.timeout_sec, "verifier_env": c.verifier.env,
        "verifier_user": c.verifier.user, "solution_env": c.solution.env,
        "build_timeout_sec": e.build_timeout_sec, "cpus": e.cpus, "memory_mb": e.memory_mb,
        "storage_mb": e.storage_mb, "gpus": e.gpus, "docker_image": e.docker_image, "workdir": e.workdir,
        "allow_internet": e.network_mode.value == "public",
    }
print(json.dumps(out))
"""


@needs_harbor
def test_harbor_reads_the_same_values_from_every_valid_test_task():
    paths = [str(p) for p in find_tasks([TASKS]) if p.name not in ("bad-toml",)]
    completed = subprocess.run(
        [str(HARBOR_PYTHON), "-c", HARBOR_READ, *paths], capture_output=True, text=True
    )
    assert completed.returncode == 0, completed.stderr
    theirs = json.loads(completed.stdout)
    for path in paths:
        task = load_task_or_config(Path(path))
        env = task.environment
        ours = {
            "schema_version": task.schema_version or "1.4", "metadata": task.metadata,
            "agent_timeout_sec": task.agent_timeout_sec, "agent_user": task.agent_user,
            "verifier_timeout_sec": task.verifier_timeout_sec,
            "verifier_env": task.verifier_env, "verifier_user": task.verifier_user,
            "solution_env": task.solution_env, "build_timeout_sec": env.build_timeout_sec, "cpus": env.cpus,
            "memory_mb": env.memory_mb, "storage_mb": env.storage_mb, "gpus": env.gpus,
            "docker_image": env.docker_image, "workdir": env.workdir, "allow_internet": env.allow_internet,
        }  # fmt: skip
        assert ours == theirs[path], Path(path).name


def load_task_or_config(path: Path):
    """The task as our loader reads its task.toml (tasks broken elsewhere, e.g. no instruction, too)."""
    try:
        return load_task(path)
    except TrialError:
        import tomllib

        from hermes_env_harbor.task import _from_toml

        return _from_toml(path, tomllib.loads((path / "task.toml").read_text()), "")


@needs_harbor
def test_the_image_hash_is_harbors_environment_content_hash(tmp_path):
    big = tmp_path / "with-data" / "environment"
    (big / "nested" / "__pycache__").mkdir(parents=True)
    (big / "nested" / "data.bin").write_bytes(bytes(range(256)) * 5000)
    (big / "nested" / "__pycache__" / "x.pyc").write_bytes(b"left out")
    (tmp_path / "empty" / "environment").mkdir(parents=True)
    folders = [p / "environment" for p in find_tasks([TASKS])] + [big, tmp_path / "empty" / "environment"]
    code = (
        "import sys; from pathlib import Path\n"
        "from harbor.environments.definition import environment_content_hash as h\n"
        "print(' '.join(h(Path(p), truncate=12) for p in sys.argv[1:]))"
    )
    completed = subprocess.run(
        [str(HARBOR_PYTHON), "-c", code, *map(str, folders)], capture_output=True, text=True
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.split() == [content_hash(folder) for folder in folders]


@needs_harbor
def test_atif_validates_against_harbors_trajectory_model():
    atif = to_atif(CONVERSATION, agent="hermes", version="0.1.0", model="m", session_id="s")
    code = (
        "import json, sys\nfrom harbor.models.trajectories.trajectory import Trajectory\n"
        "t = Trajectory.model_validate(json.loads(sys.stdin.read()))\nprint(len(t.steps))"
    )
    completed = subprocess.run(
        [str(HARBOR_PYTHON), "-c", code], input=json.dumps(atif), capture_output=True, text=True
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "4"


class TestTasksCommand(CommandConformance):
    """``hermes tasks`` is listed with a short help, answers --help, and loads nothing heavy to be listed."""

    command_name = "tasks"
    heavy_modules = ("docker", "openai", "hermes_env_harbor.cli")


def test_the_plugin_registers_its_agents_hook_environment_and_command():
    from hermes_core.plugins import Hermes

    host = Hermes.from_entry_points()
    assert {"oracle", "nop", "hermes"} <= set(host.registry("harbor_agents").names())
    assert host.environments.entry("harbor").plugin == "hermes-env-harbor"
