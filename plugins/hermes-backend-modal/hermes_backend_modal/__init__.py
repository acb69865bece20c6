"""hermes terminal backend ``modal``: Modal sandboxes per task or pooled; the modal SDK loads on first use."""

from __future__ import annotations

from hermes_core.hookspecs import hookimpl
from hermes_core.settings import Setting

__version__ = "0.1.0"


@hookimpl
def register_terminal_backends(register):
    register("hermes_backend_modal.backend:ModalBackend", name="modal", description="Modal cloud sandboxes.")


SETTINGS = (
    Setting("terminal.modal.mode", env="TERMINAL_MODAL_MODE", default="sandbox", choices=("sandbox", "pool"),
            help="One sandbox per task, or a warm pool."),
    Setting("terminal.modal.pool_max", int, env="TERMINAL_MODAL_POOL_MAX", default=4, minimum=1,
            help="Largest pool size in pool mode."),
    Setting("terminal.modal.image", env="TERMINAL_MODAL_IMAGE", default="python:3.11-slim",
            help="Registry image of each sandbox."),
    Setting("terminal.modal.app", env="TERMINAL_MODAL_APP", default="hermes-agent",
            help="Modal app the sandboxes belong to."),
    Setting("terminal.modal.lifetime", int, env="TERMINAL_LIFETIME_SECONDS", default=3600, minimum=1,
            help="Seconds a Modal sandbox may live."),
)  # fmt: skip


@hookimpl
def register_settings(register):
    for setting in SETTINGS:
        register(setting)
