"""hermes terminal backend ``singularity`` (alias ``apptainer``): one persistent instance per task."""

from __future__ import annotations

from hermes_core.hookspecs import hookimpl
from hermes_core.settings import Setting

__version__ = "0.1.0"


@hookimpl
def register_terminal_backends(register):
    register(
        "hermes_backend_singularity.backend:SingularityBackend",
        name="singularity",
        aliases=("apptainer",),
        description="A persistent Apptainer/Singularity instance per task.",
    )


SETTINGS = (
    Setting("terminal.singularity.image", env="TERMINAL_SINGULARITY_IMAGE",
            default="docker://python:3.11-slim", help="Image (docker://..., a .sif file) of each instance."),
    Setting("terminal.singularity.binary", env="TERMINAL_SINGULARITY_BINARY",
            help="apptainer or singularity executable (default: whichever is on PATH)."),
    Setting("terminal.singularity.extra_args", env="TERMINAL_SINGULARITY_ARGS",
            help="Extra arguments for 'instance start', separated by spaces."),
    Setting("terminal.singularity.contain", bool, env="TERMINAL_SINGULARITY_CONTAIN", default=True,
            help="Start instances with --contain --cleanenv."),
)  # fmt: skip


@hookimpl
def register_settings(register):
    for setting in SETTINGS:
        register(setting)
