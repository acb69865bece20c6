"""hermes terminal backend ``nomad``: tasks run in slots of a Nomad job, each slot an executor server.

Settings (``hermes config``): ``terminal.nomad.address`` (``NOMAD_ADDR``), ``terminal.nomad.token``
(``NOMAD_TOKEN``, secret), ``namespace``, ``datacenter``, ``image``, ``slots``, ``driver``
(``docker`` or ``singularity``), ``job``, ``cwd``. Nothing heavy is imported when the plugin loads.
"""

from __future__ import annotations

from hermes_core.hookspecs import hookimpl
from hermes_core.settings import Setting

__version__ = "0.1.0"


@hookimpl
def register_terminal_backends(register):
    register(
        "hermes_backend_nomad.backend:NomadBackend",
        name="nomad",
        description="Slots of a Nomad job (Docker or Singularity driver), leased through the pool.",
    )


SETTINGS = (
    Setting("terminal.nomad.address", env="NOMAD_ADDR", default=None,
            help="Nomad HTTP API address, e.g. http://nomad.internal:4646."),
    Setting("terminal.nomad.token", env="NOMAD_TOKEN", default=None, secret=True,
            help="Nomad ACL token (needs submit-job, read-job and scale-job in the namespace)."),
    Setting("terminal.nomad.namespace", env="NOMAD_NAMESPACE", default=None,
            help="Nomad namespace of the slot job (none: Nomad's default)."),
    Setting("terminal.nomad.datacenter", env="TERMINAL_NOMAD_DATACENTER", default="dc1",
            help="Datacenter the slots run in."),
    Setting("terminal.nomad.image", env="TERMINAL_NOMAD_IMAGE", default="python:3.11-slim",
            help="Image of each slot; it needs python3 (the executor is one standard-library file)."),
    Setting("terminal.nomad.slots", int, env="TERMINAL_NOMAD_SLOTS", default=4, minimum=1,
            help="Allocations (slots) of the job: tasks in flight at once."),
    Setting("terminal.nomad.driver", env="TERMINAL_NOMAD_DRIVER", default="docker",
            choices=("docker", "singularity"), help="Nomad task driver of the slots."),
    Setting("terminal.nomad.job", env="TERMINAL_NOMAD_JOB", default="hermes-slots",
            help="Prefix of the slot job's id (one job per image)."),
    Setting("terminal.nomad.cwd", env="TERMINAL_NOMAD_CWD", default="/workspace",
            help="Working directory inside each slot."),
)  # fmt: skip


@hookimpl
def register_settings(register):
    for setting in SETTINGS:
        register(setting)
