"""hermes terminal backend ``docker``: one container per task; the docker SDK is imported on first use."""

from __future__ import annotations

from hermes_core.hookspecs import hookimpl
from hermes_core.settings import Setting, positive

__version__ = "0.1.0"


@hookimpl
def register_terminal_backends(register):
    register(
        "hermes_backend_docker.backend:DockerBackend", name="docker", description="One container per task."
    )


SETTINGS = (
    Setting("terminal.docker.image", env="TERMINAL_DOCKER_IMAGE", default="python:3.11-slim",
            help="Image each task's container starts from."),
    Setting("terminal.docker.memory", env="TERMINAL_DOCKER_MEMORY", default="2g",
            help="Memory limit per container (docker's notation: 512m, 2g)."),
    Setting("terminal.docker.cpus", float, env="TERMINAL_DOCKER_CPUS", default=1.0, check=positive,
            help="CPUs per container."),
    Setting("terminal.docker.pids_limit", int, env="TERMINAL_DOCKER_PIDS_LIMIT", default=512, minimum=1,
            help="Most processes a container may run."),
    Setting("terminal.docker.network", env="TERMINAL_DOCKER_NETWORK", default="none",
            help="Docker network of the containers ('none': offline)."),
    Setting("terminal.docker.cwd", env="TERMINAL_DOCKER_CWD", default="/workspace",
            help="Working directory inside the container."),
)  # fmt: skip


@hookimpl
def register_settings(register):
    for setting in SETTINGS:
        register(setting)
