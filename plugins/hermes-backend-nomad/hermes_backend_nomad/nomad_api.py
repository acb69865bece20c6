"""Nomad's HTTP API, the few endpoints a slot job needs, in plain ``urllib``.

Followed: the HTTP API of Nomad 1.9 (developer.hashicorp.com/nomad/api-docs: ``jobs``, ``allocations``,
``status``, ``variables``). Plain HTTP rather than ``python-nomad``: eight endpoints, each one call,
and this way the plugin adds no dependency (python-nomad brings ``requests``), sets the
``X-Nomad-Token`` header and the timeout itself, and reports Nomad's own error text in one line.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from hermes_core.terminal import SandboxError

EXECUTOR_PORT = "executor"
RUNNING = "running"


class NomadError(SandboxError):
    """Nomad answered an error (or could not be reached); the message says which call and why."""


class NomadClient:
    def __init__(self, address: str, token: str | None = None, namespace: str | None = None,
                 timeout: float = 10.0) -> None:  # fmt: skip
        self.address = address.rstrip("/")
        self.token = token
        self.namespace = namespace
        self.timeout = timeout

    def _call(self, method: str, path: str, body: Any = None, query: dict[str, str] | None = None) -> Any:
        params = dict(query or {})
        if self.namespace:
            params.setdefault("namespace", self.namespace)
        url = f"{self.address}{path}" + (f"?{urllib.parse.urlencode(params)}" if params else "")
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(url, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        if self.token:
            request.add_header("X-Nomad-Token", self.token)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                raw = response.read()
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode(errors="replace").strip().splitlines()
            raise NomadError(
                f"nomad {method} {path}: HTTP {exc.code} {detail[0] if detail else exc.reason}"
            ) from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise NomadError(f"nomad {method} {path}: cannot reach {self.address} ({reason})") from None
        return json.loads(raw) if raw.strip() else None

    # -- the endpoints ---------------------------------------------------------------------------------

    def leader(self) -> str:
        """``GET /v1/status/leader``: the cluster answers (a cheap reachability and token check)."""
        return self._call("GET", "/v1/status/leader")

    def register(self, job: dict[str, Any]) -> dict[str, Any]:
        """``POST /v1/jobs`` with ``{"Job": job}``."""
        return self._call("POST", "/v1/jobs", {"Job": job})

    def job(self, job_id: str) -> dict[str, Any] | None:
        """``GET /v1/job/:id``; ``None`` when there is no such job."""
        try:
            return self._call("GET", f"/v1/job/{urllib.parse.quote(job_id, safe='')}")
        except NomadError as exc:
            if "HTTP 404" in str(exc):
                return None
            raise

    def scale(self, job_id: str, group: str, count: int) -> dict[str, Any]:
        """``POST /v1/job/:id/scale``: the group's count."""
        body = {"Count": count, "Target": {"Group": group}, "Message": "hermes: slots"}
        return self._call("POST", f"/v1/job/{urllib.parse.quote(job_id, safe='')}/scale", body)

    def stop(self, job_id: str, purge: bool = True) -> dict[str, Any]:
        """``DELETE /v1/job/:id`` (``purge=true``: gone from the job list too)."""
        query = {"purge": "true"} if purge else None
        return self._call("DELETE", f"/v1/job/{urllib.parse.quote(job_id, safe='')}", query=query)

    def put_variable(self, path: str, items: dict[str, str]) -> dict[str, Any]:
        """``PUT /v1/var/:path``: create or replace a Nomad Variable (Nomad >= 1.4)."""
        body = {"Path": path, "Items": items, **({"Namespace": self.namespace} if self.namespace else {})}
        return self._call("PUT", f"/v1/var/{urllib.parse.quote(path, safe='/')}", body)

    def delete_variable(self, path: str) -> None:
        """``DELETE /v1/var/:path``."""
        self._call("DELETE", f"/v1/var/{urllib.parse.quote(path, safe='/')}")

    def allocations(self, job_id: str) -> list[dict[str, Any]]:
        """``GET /v1/job/:id/allocations``: stubs with ``ID``, ``ClientStatus``, ``DesiredStatus``."""
        return self._call("GET", f"/v1/job/{urllib.parse.quote(job_id, safe='')}/allocations") or []

    def allocation(self, alloc_id: str) -> dict[str, Any]:
        """``GET /v1/allocation/:id``: the whole allocation, its ports included."""
        return self._call("GET", f"/v1/allocation/{urllib.parse.quote(alloc_id, safe='')}")


def executor_address(allocation: dict[str, Any]) -> tuple[str, int] | None:
    """``(host, port)`` of the allocation's ``executor`` port: ``AllocatedResources.Shared.Ports`` (group
    network, Nomad ≥ 1.0), else the older ``Shared.Networks[].DynamicPorts``."""
    shared = (allocation.get("AllocatedResources") or {}).get("Shared") or {}
    for port in shared.get("Ports") or []:
        if port.get("Label") == EXECUTOR_PORT and port.get("HostIP"):
            return port["HostIP"], int(port["Value"])
    for network in shared.get("Networks") or []:
        for port in network.get("DynamicPorts") or []:
            if port.get("Label") == EXECUTOR_PORT and network.get("IP"):
                return network["IP"], int(port["Value"])
    return None


def is_running(stub: dict[str, Any]) -> bool:
    return stub.get("ClientStatus") == RUNNING and stub.get("DesiredStatus") == "run"
