"""hermes terminal backend ``docker``: one container per task; the docker SDK is imported on first use."""

from __future__ import annotations

from hermes_core.hookspecs import hookimpl

__version__ = "0.1.0"


@hookimpl
def register_terminal_backends(register):
    register(
        "hermes_backend_docker.backend:DockerBackend", name="docker", description="One container per task."
    )
