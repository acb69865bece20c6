"""A Harbor task directory, read as Harbor reads it.

Layout (Harbor's ``TaskPaths``; Terminal-Bench 2.0 tasks use it)::

    task.toml              [metadata] [agent] [verifier] [verifier.env] [environment] [solution.env]
    instruction.md         the prompt
    environment/           build context: Dockerfile (or docker-compose.yaml, or [environment] docker_image)
    tests/test.sh          the verifier, plus any files it needs; copied to /tests after the agent ran
    solution/solve.sh      the reference solution (the oracle agent), plus files

Field names, defaults and legacy spellings follow ``harbor.models.task.config.TaskConfig`` (harbor 0.26
on PyPI): ``version`` is the old name of ``schema_version``; ``memory = "2G"`` / ``storage`` become
``memory_mb`` / ``storage_mb`` (K/M/G suffixes, as ``EnvironmentConfig._parse_size_to_mb``);
``allow_internet`` maps onto ``network_mode`` (``public`` / ``no-network``); ``[verifier] timeout_sec``
defaults to 600 s, ``[environment] build_timeout_sec`` to 600 s, ``[agent] timeout_sec`` to no limit.
Keys this module does not know are kept in :attr:`HarborTask.extra` instead of failing the task.

A task that cannot run raises :class:`TrialError` with a ``kind`` naming what is wrong; the caller turns
it into that one trial's error and the other trials go on.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_VERIFIER_TIMEOUT = 600.0
DEFAULT_BUILD_TIMEOUT = 600.0
COMPOSE_NAMES = ("docker-compose.yaml", "docker-compose.yml")
KNOWN = {
    "": {"version", "schema_version", "metadata", "agent", "verifier", "environment", "solution"},
    "agent": {"timeout_sec", "user"},
    "verifier": {"timeout_sec", "env", "user"},
    "environment": {
        "build_timeout_sec", "cpus", "memory_mb", "memory", "storage_mb", "storage", "gpus",
        "allow_internet", "network_mode", "docker_image", "workdir",
    },
    "solution": {"env"},
}  # fmt: skip


class TrialError(Exception):
    """One trial's failure; ``kind`` is a stable snake_case name (``build_failed``, ``agent_timeout``)."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message

    def to_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "message": self.message}


def size_to_mb(value: Any, key: str) -> int:
    """``"2G"`` → 2048, ``"512M"`` → 512, ``"1024K"`` → 1 (Harbor's ``_parse_size_to_mb``); ints pass."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = str(value).strip().upper()
    factors = {"G": 1024.0, "M": 1.0, "K": 1 / 1024}
    try:
        return int(float(text[:-1]) * factors[text[-1:]])
    except (KeyError, ValueError):
        raise TrialError(
            "invalid_task_toml", f"{key} = {value!r}: expected a size like '2G' or '512M'"
        ) from None


def _number(table: dict[str, Any], key: str, section: str, default: float | None = None) -> float | None:
    value = table.get(key, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TrialError("invalid_task_toml", f"[{section}] {key} must be a number, not {value!r}")
    return float(value)


def _str_map(table: dict[str, Any], key: str, section: str) -> dict[str, str]:
    value = table.get(key) or {}
    if not isinstance(value, dict):
        raise TrialError("invalid_task_toml", f"[{section}.{key}] must be a table of strings")
    return {str(k): str(v) for k, v in value.items()}


def _user(value: Any) -> str | None:
    return None if value is None else str(value)


@dataclass
class Environment:
    """``[environment]``: how the sandbox is built and limited."""

    build_timeout_sec: float = DEFAULT_BUILD_TIMEOUT
    cpus: float | None = None
    memory_mb: int | None = None
    storage_mb: int | None = None
    gpus: int | None = None
    allow_internet: bool = True
    docker_image: str | None = None
    workdir: str | None = None


@dataclass
class HarborTask:
    """A loaded task; ``name`` is its directory's name (what results and ``--json`` call it)."""

    path: Path
    name: str
    instruction: str
    schema_version: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    agent_timeout_sec: float | None = None
    agent_user: str | None = None
    verifier_timeout_sec: float = DEFAULT_VERIFIER_TIMEOUT
    verifier_env: dict[str, str] = field(default_factory=dict)
    verifier_user: str | None = None
    solution_env: dict[str, str] = field(default_factory=dict)
    environment: Environment = field(default_factory=Environment)
    extra: dict[str, Any] = field(default_factory=dict)
    """Keys of task.toml this loader does not know, by dotted name (kept, never fatal)."""

    @property
    def environment_dir(self) -> Path:
        return self.path / "environment"

    @property
    def dockerfile(self) -> Path:
        return self.environment_dir / "Dockerfile"

    @property
    def compose_file(self) -> Path | None:
        return next((p for p in map(self.environment_dir.joinpath, COMPOSE_NAMES) if p.is_file()), None)

    @property
    def tests_dir(self) -> Path:
        return self.path / "tests"

    @property
    def solution_dir(self) -> Path:
        return self.path / "solution"


def load_task(path: str | Path) -> HarborTask:
    """Read and check the task at ``path``; :class:`TrialError` names what is missing or malformed."""
    path = Path(path)
    name = path.name
    toml_path = path / "task.toml"
    if not toml_path.is_file():
        raise TrialError("invalid_task_toml", f"task {name}: no task.toml in {path}")
    try:
        data = tomllib.loads(toml_path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise TrialError("invalid_task_toml", f"task {name}: task.toml is not valid TOML: {exc}") from None
    instruction_path = path / "instruction.md"
    if not instruction_path.is_file():
        raise TrialError("instruction_missing", f"task {name}: no instruction.md in {path}")
    try:
        task = _from_toml(path, data, instruction_path.read_text(encoding="utf-8"))
    except TrialError as exc:
        if not exc.message.startswith(f"task {name}"):
            exc.message = f"task {name}: task.toml: {exc.message}"
            exc.args = (exc.message,)
        raise
    env = task.environment
    if not env.docker_image and not task.dockerfile.is_file() and task.compose_file is None:
        raise TrialError(
            "environment_missing",
            f"task {name}: no environment/Dockerfile, no environment/docker-compose.yaml and no "
            "[environment] docker_image",
        )
    if not (task.tests_dir / "test.sh").is_file():
        raise TrialError("tests_missing", f"task {name}: no tests/test.sh in {path}")
    return task


def _tables(data: dict[str, Any], section: str) -> dict[str, Any]:
    value = data.get(section) or {}
    if not isinstance(value, dict):
        raise TrialError("invalid_task_toml", f"[{section}] must be a table")
    return value


def _from_toml(path: Path, data: dict[str, Any], instruction: str) -> HarborTask:
    agent, verifier = _tables(data, "agent"), _tables(data, "verifier")
    environment, solution = _tables(data, "environment"), _tables(data, "solution")
    metadata = data.get("metadata") or {}
    if not isinstance(metadata, dict):
        raise TrialError("invalid_task_toml", "[metadata] must be a table")
    version = data.get("schema_version", data.get("version"))
    return HarborTask(
        path=path,
        name=path.name,
        instruction=instruction,
        schema_version=None if version is None else str(version),
        metadata=dict(metadata),
        agent_timeout_sec=_number(agent, "timeout_sec", "agent"),
        agent_user=_user(agent.get("user")),
        verifier_timeout_sec=_number(verifier, "timeout_sec", "verifier", DEFAULT_VERIFIER_TIMEOUT),
        verifier_env=_str_map(verifier, "env", "verifier"),
        verifier_user=_user(verifier.get("user")),
        solution_env=_str_map(solution, "env", "solution"),
        environment=_environment(environment),
        extra=_unknown(data),
    )


def _environment(table: dict[str, Any]) -> Environment:
    memory = table.get("memory_mb")
    if memory is None and table.get("memory") is not None:
        memory = size_to_mb(table["memory"], "memory")
    storage = table.get("storage_mb")
    if storage is None and table.get("storage") is not None:
        storage = size_to_mb(table["storage"], "storage")
    allow = table.get("allow_internet")
    if allow is None:  # the current spelling; allowlists need an egress proxy: treated as no network
        allow = table.get("network_mode", "public") == "public"
    if not isinstance(allow, bool):
        raise TrialError(
            "invalid_task_toml", f"[environment] allow_internet must be true or false, not {allow!r}"
        )
    gpus = _number(table, "gpus", "environment")
    return Environment(
        build_timeout_sec=_number(table, "build_timeout_sec", "environment", DEFAULT_BUILD_TIMEOUT),
        cpus=_number(table, "cpus", "environment"),
        memory_mb=None if memory is None else int(_number({"m": memory}, "m", "environment.memory_mb")),
        storage_mb=None if storage is None else int(storage),
        gpus=None if gpus is None else int(gpus),
        allow_internet=allow,
        docker_image=table.get("docker_image") or None,
        workdir=table.get("workdir") or None,
    )


def _unknown(data: dict[str, Any]) -> dict[str, Any]:
    extra = {k: v for k, v in data.items() if k not in KNOWN[""]}
    for section, known in KNOWN.items():
        table = data.get(section)
        if section and isinstance(table, dict):
            extra.update({f"{section}.{k}": v for k, v in table.items() if k not in known})
    return extra


def find_tasks(paths: list[str | Path]) -> list[Path]:
    """Each PATH is a task directory (it holds task.toml) or a directory of them (sorted by name).

    A directory holding neither is an error naming it, before any trial starts.
    """
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if not path.is_dir():
            raise TrialError("no_such_task", f"{raw}: not a directory")
        if (path / "task.toml").exists():
            found.append(path)
            continue
        children = sorted(p for p in path.iterdir() if p.is_dir() and (p / "task.toml").exists())
        if not children:
            raise TrialError("no_such_task", f"{raw}: neither a task (no task.toml) nor a directory of tasks")
        found.extend(children)
    return found
