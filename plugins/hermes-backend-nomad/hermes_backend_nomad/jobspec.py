"""The Nomad job of a slot fleet: one task group of N allocations, each running the sandbox executor.

The executor's source travels inside the job as a template (``${NOMAD_TASK_DIR}/executor.py``), so the
image needs only ``python3``. Its token is not in the job: it is a Nomad Variable at ``nomad/jobs/<job id>``
(:func:`token_variable`), which only that job's own tasks may read by default (workload identity) and
which a template renders into the task's environment (``secrets/executor.env``, ``Envvars``): whoever
may read the job (``read-job``) does not see it. Allocations that fail are rescheduled by Nomad
(``ReschedulePolicy``).
"""

from __future__ import annotations

from importlib.resources import files
from typing import Any

from hermes_backend_nomad.nomad_api import EXECUTOR_PORT

GROUP = "slots"
TASK = "executor"
DRIVERS = ("docker", "singularity")
SECOND = 1_000_000_000  # Nomad's durations are nanoseconds


TOKEN_ITEM = "token"


def token_variable(job_id: str) -> str:
    """Where the job's executor token lives: the path Nomad lets the job's tasks read (Nomad >= 1.4)."""
    return f"nomad/jobs/{job_id}"


def token_template(job_id: str) -> dict[str, Any]:
    """The template that puts the token into the executor's environment when the task starts."""
    text = f'{{{{ with nomadVar "{token_variable(job_id)}" }}}}HERMES_EXECUTOR_TOKEN={{{{ .{TOKEN_ITEM} }}}}'
    return {
        "EmbeddedTmpl": text + "{{ end }}\n",
        "DestPath": "secrets/executor.env",
        "Envvars": True,
        "ChangeMode": "restart",
    }


def singularity_image(image: str) -> str:
    """A Docker image name as the Singularity driver takes it (a URI); a URI or a path stays."""
    return image if "://" in image or image.startswith("/") else f"docker://{image}"


def executor_source() -> str:
    return files("hermes_backend_nomad").joinpath("executor.py").read_text(encoding="utf-8")


def slot_job(job_id: str, *, image: str, slots: int, datacenter: str, driver: str,
             cwd: str, cpu_mhz: int = 500, memory_mb: int = 1024) -> dict[str, Any]:  # fmt: skip
    if driver not in DRIVERS:
        raise ValueError(f"unknown Nomad driver {driver!r}; choose one of: {', '.join(DRIVERS)}")
    args = ["${NOMAD_TASK_DIR}/executor.py", "--host", "0.0.0.0"]
    args += ["--port", f"${{NOMAD_PORT_{EXECUTOR_PORT}}}", "--workdir", cwd]
    if driver == "docker":
        config: dict[str, Any] = {
            "image": image,
            "command": "python3",
            "args": args,
            "ports": [EXECUTOR_PORT],
        }
    else:  # the Singularity driver (sylabs/nomad-driver-singularity): ``command`` is its action
        config = {"image": singularity_image(image), "command": "exec", "args": ["python3", *args]}
    return {
        "ID": job_id,
        "Name": job_id,
        "Type": "service",
        "Datacenters": [datacenter],
        "Meta": {"hermes": "slots"},
        "TaskGroups": [
            {
                "Name": GROUP,
                "Count": slots,
                "Networks": [{"Mode": "host", "DynamicPorts": [{"Label": EXECUTOR_PORT}]}],
                "RestartPolicy": {
                    "Attempts": 1,
                    "Interval": 60 * SECOND,
                    "Delay": 2 * SECOND,
                    "Mode": "fail",
                },
                "ReschedulePolicy": {
                    "Unlimited": True,
                    "Delay": 2 * SECOND,
                    "DelayFunction": "exponential",
                    "MaxDelay": 60 * SECOND,
                },
                "Tasks": [
                    {
                        "Name": TASK,
                        "Driver": driver,
                        "Config": config,
                        "Templates": [
                            {
                                "EmbeddedTmpl": executor_source(),
                                "DestPath": "local/executor.py",
                                # the source is Python, not a template: delimiters it never contains
                                "LeftDelim": "[[hermes[[",
                                "RightDelim": "]]hermes]]",
                            },
                            token_template(job_id),
                        ],
                        "Resources": {"CPU": cpu_mhz, "MemoryMB": memory_mb},
                    }
                ],
            }
        ],
    }
