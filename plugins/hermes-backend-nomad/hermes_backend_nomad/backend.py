"""The ``nomad`` backend: tasks lease slots of a Nomad job through the core's sandbox pool.

``NomadToolBackend → SlotPool → NomadClient + SandboxExecutor``, as in the seed's ``atropos/backends``:
the first sandbox registers the job (``slots`` allocations, each running :mod:`.executor`);
:class:`NomadBackend` lends slots through :class:`hermes_core.pool.PooledBackend`, so each task gets
``<cwd>/hermes_tasks/<task>`` in a warm slot, a bounded wait, and a dead slot replaced. A slot is an
allocation: claimed while lent, reset (processes killed, folder emptied) when the pool retires it, and
given up when its allocation dies — Nomad reschedules it and the next claim takes the new one.
``close()`` stops (purges) the job.
"""

from __future__ import annotations

import hashlib
import posixpath
import secrets
import threading
import time
from typing import Any

from hermes_backend_nomad.executor_client import ExecutorClient, ExecutorSandbox
from hermes_backend_nomad.jobspec import GROUP, TOKEN_ITEM, slot_job, token_variable
from hermes_backend_nomad.nomad_api import NomadClient, NomadError, executor_address, is_running
from hermes_core.pool import PooledBackend
from hermes_core.sandboxes import configured
from hermes_core.terminal import Sandbox, SandboxError, SandboxRequest, TerminalBackend

DEFAULTS = {
    "address": None,
    "token": None,
    "namespace": None,
    "datacenter": "dc1",
    "image": "python:3.11-slim",
    "slots": 4,
    "driver": "docker",
    "job": "hermes-slots",
    "cwd": "/workspace",
    "startup_timeout": 300.0,
}
POLL = 0.2


def _options(options: dict[str, Any]) -> dict[str, Any]:
    """Each option: given, else the ``terminal.nomad.*`` setting, else the default."""
    merged = {}
    for key, default in DEFAULTS.items():
        value = options.get(key)
        if value is None:
            value = configured(f"terminal.nomad.{key}")
        merged[key] = default if value is None else value
    return merged


class SlotFleet(TerminalBackend):
    """The slots themselves: ``create`` claims a running allocation of the job for ``request.image``
    (registering the job first) and returns its executor; ``cleanup`` resets and frees the slot."""

    name = "nomad-slots"

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.settings = _options(options)
        if not self.settings["address"]:
            self.nomad = None
        else:
            self.nomad = NomadClient(
                str(self.settings["address"]), self.settings["token"], self.settings["namespace"]
            )
        self.token = secrets.token_urlsafe(32)  # the executors' own, one per job, never the Nomad token
        self._lock = threading.Lock()
        self._jobs: dict[str, str] = {}  # image -> job id
        self._claimed: set[str] = set()
        self._bad: set[str] = set()  # allocations seen dead: never claimed again

    def unavailable_reason(self) -> str | None:
        if self.nomad is None:
            return "no Nomad address: set terminal.nomad.address (NOMAD_ADDR)"
        try:
            self.nomad.leader()
        except NomadError as exc:
            return str(exc)
        return None

    def job_id(self, image: str) -> str:
        digest = hashlib.sha256(image.encode()).hexdigest()[:8]
        return f"{self.settings['job']}-{digest}"

    def ensure_job(self, image: str) -> str:
        with self._lock:
            job_id = self._jobs.get(image)
            if job_id is None:
                job_id = self.job_id(image)
                spec = slot_job(
                    job_id,
                    image=image,
                    slots=int(self.settings["slots"]),
                    datacenter=str(self.settings["datacenter"]),
                    driver=str(self.settings["driver"]),
                    cwd=str(self.settings["cwd"]),
                )
                # the token first: the job's tasks read it from the Variable when they start
                self._require().put_variable(token_variable(job_id), {TOKEN_ITEM: self.token})
                self._require().register(spec)
                self._jobs[image] = job_id
            return job_id

    def scale(self, slots: int, image: str | None = None) -> None:
        """Ask Nomad for ``slots`` allocations of the job (more slots, or fewer)."""
        job_id = self.ensure_job(image or str(self.settings["image"]))
        self._require().scale(job_id, GROUP, slots)

    def _require(self) -> NomadClient:
        if self.nomad is None:
            raise SandboxError(self.unavailable_reason() or "nomad unavailable")
        return self.nomad

    def create_sandbox(self, request: SandboxRequest) -> Sandbox:
        image = request.image or str(self.settings["image"])
        job_id = self.ensure_job(image)
        deadline = time.monotonic() + float(self.settings["startup_timeout"])
        while True:
            slot = self._claim(job_id)
            if slot is not None:
                alloc_id, client, home = slot
                cwd = (
                    request.cwd
                    if request.cwd and request.cwd.startswith("/")
                    else posixpath.join(home, request.cwd or "")
                )
                return ExecutorSandbox(
                    client, request, cwd.rstrip("/") or "/", on_cleanup=lambda a=alloc_id: self._free(a),
                    on_dead=lambda a=alloc_id: self._mark_bad(a), slot=alloc_id,
                )  # fmt: skip
            if time.monotonic() > deadline:
                raise SandboxError(
                    f"nomad: no free running slot of job {job_id} within {self.settings['startup_timeout']}s"
                )
            time.sleep(POLL)

    def _claim(self, job_id: str) -> tuple[str, ExecutorClient, str] | None:
        """A running, serving allocation no one holds: ``(id, its executor, its working folder)``."""
        nomad = self._require()
        for stub in nomad.allocations(job_id):
            alloc_id = stub["ID"]
            if not is_running(stub) or alloc_id in self._bad:
                continue
            with self._lock:
                if alloc_id in self._claimed:
                    continue
                self._claimed.add(alloc_id)
            address = executor_address(nomad.allocation(alloc_id))
            if address is not None:
                client = ExecutorClient(f"http://{address[0]}:{address[1]}", self.token)
                health = client.health()
                if health is not None:
                    return alloc_id, client, str(health.get("cwd") or self.settings["cwd"])
            self._free(alloc_id)  # not serving yet: look again later
        return None

    def _free(self, alloc_id: str) -> None:
        with self._lock:
            self._claimed.discard(alloc_id)

    def _mark_bad(self, alloc_id: str) -> None:
        with self._lock:
            self._bad.add(alloc_id)
            self._claimed.discard(alloc_id)

    def claimed(self) -> set[str]:
        with self._lock:
            return set(self._claimed)

    def close(self) -> None:
        """Stop (purge) every job this fleet registered, and delete its token."""
        with self._lock:
            jobs, self._jobs = list(self._jobs.values()), {}
        nomad = self._require() if jobs else None
        for job_id in jobs:
            for call, argument in ((nomad.stop, job_id), (nomad.delete_variable, token_variable(job_id))):
                try:
                    call(argument)
                except NomadError:
                    pass


class NomadBackend(PooledBackend):
    """``terminal.backend nomad``: a task's sandbox is a slot lent by the core's pool (see module doc)."""

    name = "nomad"

    def __init__(self, **options: Any) -> None:
        fleet = SlotFleet(**options)
        pool_options = {
            key: options[key]
            for key in ("acquire_timeout", "max_idle", "max_age", "max_uses")
            if key in options
        }
        super().__init__(fleet, max_size=int(fleet.settings["slots"]), name="nomad-pool", **pool_options)
        self.fleet = fleet

    def close(self) -> None:
        super().close()
        self.fleet.close()


__all__ = ["NomadBackend", "SlotFleet"]
