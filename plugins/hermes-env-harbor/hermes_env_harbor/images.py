"""The image a task's sandbox starts from: built once per content of ``environment/``, then reused.

The tag is ``hermes-harbor/<task>:<hash>``, the hash over ``environment/``'s files (paths, sizes and
bytes, in path order; ``.git``, ``__pycache__`` and ``.DS_Store`` left out), Harbor's
``environment_content_hash`` (``harbor/environments/definition.py``) truncated to 12 hex digits: a
second run finds the tag and builds nothing; any edit in ``environment/`` makes a new tag.

``environment/docker-compose.yaml`` is Harbor's way to add services or change ``main``. Without
``docker compose`` we run its ``main`` service alone when that is all it asks for (build, image,
environment, working_dir, a command, which we replace by our keep-alive); another service, or a key of
``main`` we cannot honour with the engine alone, is the trial's error ``compose_unsupported`` naming the
file and what stands in the way.
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hermes_env_harbor.task import HarborTask, TrialError

IGNORED = {".DS_Store", ".git", "__pycache__"}
HASH_LENGTH = 12
MAIN_SERVICE = "main"
COMPOSE_MAIN_KEYS = {
    "build", "image", "environment", "working_dir", "command", "container_name", "pull_policy",
}  # fmt: skip
_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


@dataclass
class PreparedImage:
    """What the sandbox starts from."""

    tag: str
    workdir: str | None = None
    """The image's WORKDIR unless ``[environment] workdir`` or the compose file says otherwise."""
    environment: dict[str, str] = field(default_factory=dict)
    """Variables for every command (compose ``environment`` of ``main``)."""
    cached: bool = False
    built: bool = False


def content_hash(directory: Path, length: int = HASH_LENGTH) -> str:
    """A stable hash of the files under ``directory``: Harbor's ``environment_content_hash`` byte for byte
    (checked against it where Harbor is installed), so a tag names what Harbor's snapshot would."""
    files = sorted(
        (p.relative_to(directory).as_posix(), p)
        for p in directory.rglob("*")
        if p.is_file() and not p.is_symlink() and not IGNORED & set(p.relative_to(directory).parts)
    )
    if not files:
        return hashlib.sha256(directory.name.encode()).hexdigest()[:length]
    sizes = [path.stat().st_size for _, path in files]
    digest = hashlib.sha256()
    size_bytes = 4
    if any(size >= 2**32 for size in sizes):
        digest.update(b"\x01")
        size_bytes = 8
    for (relative, path), size in zip(files, sizes, strict=True):
        name = relative.encode()
        digest.update(len(name).to_bytes(4, "big") + name + size.to_bytes(size_bytes, "big"))
        with path.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
    return digest.hexdigest()[:length]


def image_tag(task: HarborTask) -> str:
    """``hermes-harbor/<task>:<hash>``, the task's name made a valid repository name."""
    repository = re.sub(r"[^a-z0-9]+", "-", task.name.lower()).strip("-") or "task"
    return f"hermes-harbor/{repository[:100]}:{content_hash(task.environment_dir)}"


def _lock_for(tag: str) -> threading.Lock:
    with _locks_guard:
        return _locks.setdefault(tag, threading.Lock())


def docker_client() -> Any:
    import docker

    return docker.from_env()


def prepare_image(task: HarborTask, client: Any = None) -> PreparedImage:
    """The task's image, built when its tag is not there yet (one build per tag at a time).

    ``[environment] docker_image`` wins over a Dockerfile, as Harbor does unless told to force a build.
    """
    compose = _compose_main(task) if task.compose_file is not None else {}
    build_context = task.environment_dir
    dockerfile = "Dockerfile"
    if isinstance(compose.get("build"), dict):
        build_context = (task.environment_dir / compose["build"].get("context", ".")).resolve()
        dockerfile = compose["build"].get("dockerfile", "Dockerfile")
    elif isinstance(compose.get("build"), str):
        build_context = (task.environment_dir / compose["build"]).resolve()
    prebuilt = task.environment.docker_image or (compose.get("image") if "build" not in compose else None)
    environment = _compose_environment(compose.get("environment"))
    workdir = task.environment.workdir or compose.get("working_dir")
    if prebuilt:  # started by name: no engine needed here (a registry image another backend pulls)
        return PreparedImage(prebuilt, workdir or _image_workdir(client, prebuilt), environment, cached=True)
    client = client or docker_client()
    if not (build_context / dockerfile).is_file():
        raise TrialError("environment_missing", f"task {task.name}: no {dockerfile} in {build_context}")
    tag = image_tag(task)
    with _lock_for(tag):
        cached = _image_exists(client, tag)
        if not cached:
            _build(client, task, build_context, dockerfile, tag)
    workdir = workdir or _image_workdir(client, tag)
    return PreparedImage(tag, workdir, environment, cached=cached, built=not cached)


def _image_exists(client: Any, tag: str) -> bool:
    try:
        client.images.get(tag)
        return True
    except Exception as exc:
        if type(exc).__name__ == "ImageNotFound":
            return False
        raise TrialError("environment_start_failed", f"docker: cannot inspect image {tag}: {exc}") from exc


def _image_workdir(client: Any, tag: str) -> str | None:
    try:
        return (client or docker_client()).images.get(tag).attrs.get("Config", {}).get("WorkingDir") or None
    except Exception:  # a prebuilt image not here yet (or no engine here): the backend pulls it, with the
        return None  # container's default


def _build(client: Any, task: HarborTask, context: Path, dockerfile: str, tag: str) -> None:
    """``docker build`` through the engine's API, streamed; past ``build_timeout_sec`` it is abandoned
    (closing the stream cancels the build on the engine) and the trial fails ``build_timeout``."""
    timeout = task.environment.build_timeout_sec
    started = time.monotonic()
    log: list[str] = []
    labels = {"hermes.harbor.task": task.name, "hermes.harbor.hash": tag.rpartition(":")[2]}
    try:
        stream = client.api.build(
            path=str(context), dockerfile=dockerfile, tag=tag, labels=labels, rm=True, forcerm=True,
            decode=True, timeout=max(1, int(timeout)),
        )  # fmt: skip
        try:
            for chunk in stream:
                if "error" in chunk:
                    detail = chunk.get("error", "").strip()
                    tail = "".join(log[-5:]).strip().replace("\n", " | ")
                    message = f"task {task.name}: docker build failed: {detail} ({tail})"
                    raise TrialError("build_failed", message)
                log.append(chunk.get("stream", ""))
                if time.monotonic() - started > timeout:
                    raise TrialError(
                        "build_timeout", f"task {task.name}: image build took more than {timeout:g}s"
                    )
        finally:
            close = getattr(stream, "close", None)
            if close:
                close()
    except TrialError:
        raise
    except Exception as exc:
        kind = "build_timeout" if "timed out" in str(exc).lower() else "build_failed"
        raise TrialError(kind, f"task {task.name}: docker build failed: {exc}") from exc
    if not _image_exists(client, tag):
        raise TrialError("build_failed", f"task {task.name}: docker build ended without image {tag}")


def _compose_main(task: HarborTask) -> dict[str, Any]:
    """The ``main`` service of the task's compose file, when running it alone is all the file asks."""
    path = task.compose_file
    assert path is not None
    where = f"task {task.name}: {path.relative_to(task.path)}"
    try:
        import yaml

        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except Exception as exc:
        raise TrialError("compose_unsupported", f"{where}: cannot be read: {exc}") from None
    services = document.get("services") if isinstance(document, dict) else None
    if not isinstance(services, dict) or MAIN_SERVICE not in services:
        raise TrialError("compose_unsupported", f"{where}: no 'main' service (Harbor's agent container)")
    others = sorted(set(services) - {MAIN_SERVICE})
    if others:
        raise TrialError(
            "compose_unsupported",
            f"{where}: services {', '.join(others)} beside 'main' need docker compose, which hermes does not "
            "drive; only a lone 'main' service runs on the engine alone",
        )
    main = services[MAIN_SERVICE] or {}
    unsupported = sorted(set(main) - COMPOSE_MAIN_KEYS)
    if unsupported:
        needs = ", ".join(unsupported)
        raise TrialError("compose_unsupported", f"{where}: 'main' uses {needs}, which needs docker compose")
    if "build" not in main and "image" not in main:  # Harbor's base file builds environment/
        main = {**main, "build": "."}
    return main


def _compose_environment(value: Any) -> dict[str, str]:
    if isinstance(value, dict):
        return {str(k): "" if v is None else str(v) for k, v in value.items()}
    if isinstance(value, list):
        return dict(str(item).partition("=")[::2] for item in value)
    return {}
