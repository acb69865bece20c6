"""A scripted Nomad agent on 127.0.0.1: the endpoints of Nomad 1.9's HTTP API the backend uses, with
allocations that are real executor processes on this machine.

Followed (developer.hashicorp.com/nomad/api-docs, v1.9): ``POST /v1/jobs`` (``{"Job": ...}`` →
``EvalID``, ``JobModifyIndex``), ``GET /v1/job/:id`` (404 ``job not found``), ``POST /v1/job/:id/scale``
(``Count``, ``Target.Group``), ``DELETE /v1/job/:id?purge=true``, ``GET /v1/job/:id/allocations``
(stubs: ``ID``, ``JobID``, ``TaskGroup``, ``ClientStatus``, ``DesiredStatus``, ``PreviousAllocation``,
``NextAllocation``), ``GET /v1/allocation/:id`` (``AllocatedResources.Shared.Ports``: ``Label``,
``Value``, ``HostIP``), ``GET /v1/status/leader``, ``PUT``/``GET``/``DELETE /v1/var/:path`` (``Path``,
``Items``; 404 ``variable not found``); ACL: ``X-Nomad-Token``, 403 ``Permission denied``.

Templates are rendered as Nomad's template runner does for the forms a slot job uses: a plain text, and
``{{ with nomadVar "PATH" }}...{{ .ITEM }}...{{ end }}``, where a task may read only the Variables of its
own job (``nomad/jobs/<job id>``, the workload identity's implicit policy; anything else renders empty);
a template with ``Envvars`` sets the task's environment from its ``KEY=VALUE`` lines.

Each allocation runs the job's own executor template on a free loopback port: with this Python as a
process (``runtime="process"``), or as Nomad's docker driver does (``runtime="docker"``: ``docker run`` of
the job's image, the task's ``local/`` folder mounted at ``/local``, the port published on 127.0.0.1
only). :meth:`ScriptedNomad.fail` kills one: its allocation turns
``failed`` and, as the job's ``ReschedulePolicy`` says, a replacement (``PreviousAllocation`` = the
failed one) is placed after ``reschedule_delay``.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

NOMAD_TOKEN = "nomad-acl-token-for-tests"
CONTAINER_PORT = 8080


class PlainText(str):
    """An error body as Nomad sends it: text, not JSON."""


NOMAD_VAR = re.compile(r'\{\{ with nomadVar "([^"]+)" \}\}(.*?)\{\{ end \}\}', re.S)


def render(template: dict, job_id: str, variables: dict[str, dict]) -> str:
    """A template's text with the ``nomadVar`` blocks a task of ``job_id`` may read filled in."""
    if "LeftDelim" in template:  # other delimiters: no {{ }} action is one
        return template["EmbeddedTmpl"]

    def fill(match: re.Match) -> str:
        path, body = match[1], match[2]
        items = variables.get(path) if path.startswith(f"nomad/jobs/{job_id}") else None
        if items is None:
            return ""
        return re.sub(r"\{\{ \.(\w+) \}\}", lambda item: items.get(item[1], ""), body)

    return NOMAD_VAR.sub(fill, template["EmbeddedTmpl"])


class Allocation:
    def __init__(
        self, job: dict, index: int, previous: str | None, root: str, runtime: str, variables: dict
    ) -> None:
        self.id = str(uuid.uuid4())
        self.job_id, self.index, self.previous, self.next = job["ID"], index, previous, None
        self.client_status, self.desired_status = "pending", "run"
        self.port = 0  # known once the executor listens (no port picked ahead and raced for)
        group = job["TaskGroups"][0]
        task = group["Tasks"][0]
        self.group = group["Name"]
        folder = tempfile.mkdtemp(prefix="nomad-alloc-", dir=root)
        os.makedirs(f"{folder}/local")
        os.makedirs(f"{folder}/secrets")
        task_env = dict(task.get("Env") or {})
        for template in task["Templates"]:
            text = render(template, self.job_id, variables)
            with open(f"{folder}/{template['DestPath']}", "w") as handle:
                handle.write(text)
            if template.get("Envvars"):
                task_env.update(line.split("=", 1) for line in text.splitlines() if "=" in line)
        config = task["Config"]
        if task["Driver"] == "singularity":  # ``singularity exec IMAGE ARGS``: ARGS start with the program
            program, args = config["args"][0], config["args"][1:]
            assert config["command"] == "exec" and "://" in config["image"], config
        else:
            program, args = config["command"], config["args"]
        # Nomad's interpolation: the task folder is /local inside a docker container, else on the host;
        # the port: a fixed one inside the container's own network (docker publishes it on a free port
        # of 127.0.0.1), else 0 (the executor binds a free one and says which)
        task_dir = "/local" if runtime == "docker" else f"{folder}/local"
        port = str(CONTAINER_PORT) if runtime == "docker" else "0"
        args = [
            arg.replace("${NOMAD_PORT_executor}", port).replace("${NOMAD_TASK_DIR}", task_dir) for arg in args
        ]
        self.container = None
        if runtime == "docker":
            self.container = f"scripted-nomad-{self.id[:12]}"
            env = [f"--env={key}" for key in task_env]
            publish = f"--publish=127.0.0.1::{CONTAINER_PORT}"  # loopback only, a free host port
            volume = f"--volume={folder}/local:/local:ro"  # Nomad's docker driver mounts local/ there
            argv = ["docker", "run", "-d", "--name", self.container, publish, volume]
            argv += [*env, config["image"], program, *args]
            subprocess.run(argv, env={**os.environ, **task_env}, check=True, capture_output=True)
            self.process = None
            mapped = subprocess.run(
                ["docker", "port", self.container, f"{CONTAINER_PORT}/tcp"],
                check=True,
                capture_output=True,
                text=True,
            )
            self.port = int(mapped.stdout.split()[0].rsplit(":", 1)[1])
        else:
            args = [a if a != "0.0.0.0" else "127.0.0.1" for a in args]  # this agent's "host" is loopback
            workdir = args[args.index("--workdir") + 1]
            args[args.index("--workdir") + 1] = f"{folder}/{workdir.lstrip('/')}"
            env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **task_env}
            assert program == "python3", program  # the image's python is this one here
            self.process = subprocess.Popen(
                [sys.executable, *args], cwd=folder, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
            )
            listening = self.process.stdout.readline().decode()  # "executor listening on HOST:PORT"
            self.port = int(listening.strip().rsplit(":", 1)[1])
        self.client_status = "running"

    def stub(self) -> dict:
        return {
            "ID": self.id,
            "JobID": self.job_id,
            "TaskGroup": self.group,
            "Name": f"{self.job_id}.{self.group}[{self.index}]",
            "ClientStatus": self.client_status,
            "DesiredStatus": self.desired_status,
            "PreviousAllocation": self.previous or "",
            "NextAllocation": self.next or "",
        }

    def full(self) -> dict:
        ports = [{"Label": "executor", "Value": self.port, "To": 0, "HostIP": "127.0.0.1"}]
        return {**self.stub(), "AllocatedResources": {"Shared": {"Ports": ports, "Networks": []}}}

    def kill(self, status: str) -> None:
        if self.container is not None:
            subprocess.run(["docker", "rm", "-f", self.container], capture_output=True)
        elif self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.client_status = status

    def stopped(self) -> bool:
        if self.container is not None:
            probe = subprocess.run(["docker", "inspect", self.container], capture_output=True)
            return probe.returncode != 0
        return self.process.poll() is not None


class ScriptedNomad:
    def __init__(
        self, token: str = NOMAD_TOKEN, reschedule_delay: float = 0.3, runtime: str = "process"
    ) -> None:
        self.token = token
        self.runtime = runtime
        self.reschedule_delay = reschedule_delay
        self.jobs: dict[str, dict] = {}
        self.allocations: dict[str, Allocation] = {}
        self.variables: dict[str, dict] = {}  # path -> items
        self.calls: list[tuple[str, str]] = []
        self.lock = threading.RLock()
        self.root = tempfile.mkdtemp(prefix="scripted-nomad-")
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._httpd.daemon_threads = True

    @property
    def address(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> ScriptedNomad:
        threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        with self.lock:
            for alloc in self.allocations.values():
                alloc.kill("complete")

    # -- what a test does to the cluster --------------------------------------------------------------

    def live(self, job_id: str) -> list[Allocation]:
        with self.lock:
            return [
                a for a in self.allocations.values() if a.job_id == job_id and a.client_status == "running"
            ]

    def fail(self, alloc_id: str) -> None:
        """The allocation's task dies; Nomad reschedules a replacement after the policy's delay."""
        with self.lock:
            alloc = self.allocations[alloc_id]
            alloc.kill("failed")
        timer = threading.Timer(self.reschedule_delay, self._reschedule, args=(alloc,))
        timer.daemon = True
        timer.start()

    def _reschedule(self, failed: Allocation) -> None:
        with self.lock:
            job = self.jobs.get(failed.job_id)
            if job is None or failed.desired_status != "run":
                return
            replacement = Allocation(job, failed.index, failed.id, self.root, self.runtime, self.variables)
            failed.next = replacement.id
            self.allocations[replacement.id] = replacement

    def _place(self, job: dict) -> None:
        wanted = job["TaskGroups"][0]["Count"]
        live = [a for a in self.allocations.values() if a.job_id == job["ID"] and a.desired_status == "run"]
        for index in range(len(live), wanted):
            alloc = Allocation(job, index, None, self.root, self.runtime, self.variables)
            self.allocations[alloc.id] = alloc
        for alloc in sorted(live, key=lambda a: a.index)[wanted:]:
            alloc.desired_status = "stop"
            alloc.kill("complete")

    # -- the HTTP API ----------------------------------------------------------------------------------

    def _handler(self):
        agent = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def _send(self, status: int, value) -> None:
                if status == 204:
                    data, kind = b"", "application/json"
                elif isinstance(value, PlainText):  # Nomad's errors are plain text, its answers JSON
                    data, kind = value.encode(), "text/plain"
                else:
                    data, kind = json.dumps(value).encode(), "application/json"
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _route(self, method: str) -> None:
                url = urlparse(self.path)
                agent.calls.append((method, url.path))
                if self.headers.get("X-Nomad-Token") != agent.token:
                    self._send(403, PlainText("Permission denied"))
                    return
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"null")
                parts = url.path.strip("/").split("/")
                with agent.lock:
                    status, value = agent._answer(method, parts, body, parse_qs(url.query))
                self._send(status, value)

            def do_GET(self) -> None:
                self._route("GET")

            def do_POST(self) -> None:
                self._route("POST")

            def do_PUT(self) -> None:
                self._route("PUT")

            def do_DELETE(self) -> None:
                self._route("DELETE")

        return Handler

    def _answer(self, method: str, parts: list[str], body, query) -> tuple[int, object]:
        if parts == ["v1", "status", "leader"]:
            return 200, "127.0.0.1:4647"  # a JSON string
        if method == "POST" and parts == ["v1", "jobs"]:
            job = body["Job"]
            self.jobs[job["ID"]] = job
            self._place(job)
            return 200, {"EvalID": str(uuid.uuid4()), "JobModifyIndex": len(self.calls), "Warnings": ""}
        if len(parts) >= 3 and parts[:2] == ["v1", "job"]:
            job = self.jobs.get(parts[2])
            if job is None:
                return 404, PlainText("job not found")
            if method == "GET" and len(parts) == 3:
                return 200, {**job, "Status": "running"}
            if method == "GET" and parts[3:] == ["allocations"]:
                return 200, [a.stub() for a in self.allocations.values() if a.job_id == job["ID"]]
            if method == "POST" and parts[3:] == ["scale"]:
                assert body["Target"]["Group"] == job["TaskGroups"][0]["Name"]
                job["TaskGroups"][0]["Count"] = int(body["Count"])
                self._place(job)
                return 200, {"EvalID": str(uuid.uuid4())}
            if method == "DELETE" and len(parts) == 3:
                for alloc in self.allocations.values():
                    if alloc.job_id == job["ID"]:
                        alloc.desired_status = "stop"
                        alloc.kill("complete")
                if query.get("purge") == ["true"]:
                    del self.jobs[job["ID"]]
                return 200, {"EvalID": str(uuid.uuid4())}
        if len(parts) >= 3 and parts[:2] == ["v1", "var"]:
            path = "/".join(parts[2:])
            if method == "PUT":
                assert body["Path"] == path and isinstance(body["Items"], dict), body
                self.variables[path] = dict(body["Items"])
                return 200, {"Namespace": "default", "Path": path, "Items": body["Items"]}
            if path not in self.variables:
                return 404, PlainText("variable not found")
            if method == "GET":
                return 200, {"Namespace": "default", "Path": path, "Items": self.variables[path]}
            if method == "DELETE":
                del self.variables[path]
                return 204, None
        if method == "GET" and len(parts) == 3 and parts[:2] == ["v1", "allocation"]:
            alloc = self.allocations.get(parts[2])
            return (200, alloc.full()) if alloc else (404, PlainText("alloc not found"))
        return 404, PlainText("not found")
