"""hermes terminal backend ``singularity`` (alias ``apptainer``): one persistent instance per task."""

from __future__ import annotations

from hermes_core.hookspecs import hookimpl

__version__ = "0.1.0"


@hookimpl
def register_terminal_backends(register):
    register(
        "hermes_backend_singularity.backend:SingularityBackend",
        name="singularity",
        aliases=("apptainer",),
        description="A persistent Apptainer/Singularity instance per task.",
    )
