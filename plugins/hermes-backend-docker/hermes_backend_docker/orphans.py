"""Containers whose hermes died without removing them (``kill -9``, a crash, an OOM kill) are removed
by the next hermes on the same machine that starts one.

Each container carries who made it: the owner's pid, the owner's start time (so that a reused pid is
not taken for the owner), and the machine (its boot id and the owner's PID namespace, the only place
where that pid means something). A container is an orphan when its machine is ours and its owner is
no longer running. Containers of another machine sharing the engine (``DOCKER_HOST``), of another
container's hermes, or of a living hermes are never touched.
"""

from __future__ import annotations

import os
import threading
from typing import Any

OWNER_LABEL = "hermes.owner"
"""The pid of the hermes process that created the container."""
STARTED_LABEL = "hermes.owner_started"
"""That process's start time (clock ticks after boot, ``/proc/<pid>/stat`` field 22)."""
MACHINE_LABEL = "hermes.machine"
"""``<boot id>/<pid namespace>``: where the owner's pid can be looked up."""

_reclaimed = False
_reclaim_lock = threading.Lock()


def _read(path: str) -> str | None:
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return None


def started(pid: int) -> str | None:
    """When process ``pid`` started (``None``: there is none)."""
    stat = _read(f"/proc/{pid}/stat")
    return stat.rsplit(")", 1)[1].split()[19] if stat else None  # fields after "(comm)" start at 3


def machine() -> str | None:
    """This machine and PID namespace, or ``None`` where ``/proc`` does not say (not Linux)."""
    boot = _read("/proc/sys/kernel/random/boot_id")
    try:
        namespace = os.readlink("/proc/self/ns/pid")
    except OSError:
        return None
    return f"{boot}/{namespace}" if boot else None


def owner_labels() -> dict[str, str]:
    """The labels that make a container of ours reclaimable once we are gone."""
    pid = os.getpid()
    labels = {OWNER_LABEL: str(pid)}
    here, since = machine(), started(pid)
    if here and since:
        labels.update({MACHINE_LABEL: here, STARTED_LABEL: since})
    return labels


def reclaim_orphans(api: Any) -> list[str]:
    """Remove the containers on this machine whose owner is gone; returns their ids. ``api`` is
    docker-py's low-level client (``client.api``)."""
    here = machine()
    if here is None:
        return []
    removed = []
    for container in api.containers(all=True, filters={"label": f"{MACHINE_LABEL}={here}"}):
        labels = container.get("Labels") or {}
        owner = labels.get(OWNER_LABEL, "")
        if not owner.isdigit() or int(owner) == os.getpid():
            continue
        if started(int(owner)) == labels.get(STARTED_LABEL):
            continue  # its owner still runs
        try:
            api.remove_container(container["Id"], force=True)
        except Exception:  # removed meanwhile (by its owner's last act, or another reclaimer)
            continue
        removed.append(container["Id"])
    return removed


def reclaim_once(api: Any) -> None:
    """:func:`reclaim_orphans`, the first time a process starts a container; a failure is no reason not
    to start one."""
    global _reclaimed
    with _reclaim_lock:
        if _reclaimed:
            return
        _reclaimed = True
    try:
        reclaim_orphans(api)
    except Exception:
        pass


__all__ = [
    "MACHINE_LABEL",
    "OWNER_LABEL",
    "STARTED_LABEL",
    "machine",
    "owner_labels",
    "reclaim_once",
    "reclaim_orphans",
    "started",
]
