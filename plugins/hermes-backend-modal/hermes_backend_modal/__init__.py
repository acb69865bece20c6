"""hermes terminal backend ``modal``: Modal sandboxes per task or pooled; the modal SDK loads on first use."""

from __future__ import annotations

from hermes_core.hookspecs import hookimpl

__version__ = "0.1.0"


@hookimpl
def register_terminal_backends(register):
    register("hermes_backend_modal.backend:ModalBackend", name="modal", description="Modal cloud sandboxes.")
