"""``hermes batch``: many agent runs from a JSONL file to JSONL, resumable.

Each finished record is one fsynced line, so a batch killed at any moment loses only the runs in flight,
and ``--resume`` skips every prompt id already written: nothing lost, nothing twice. SIGTERM and SIGHUP
release every sandbox before the process goes.

Runs go through :func:`hermes_agent_loop.engines.run_jobs`: ``--engine local`` (this process) or
``--engine ray`` (a Ray cluster). Either way this process alone writes the records, as results arrive,
so the files, the record schema and ``--resume`` are the same whichever engine ran a prompt.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from hermes_agent_loop.cli.run import (
    Masker,
    _cleanup,
    _protect_from_signals,
    _record,
    common_options,
    finish_record,
)
from hermes_agent_loop.cli.settings import RunSettings
from hermes_agent_loop.engines import Job, Outcome, engine_options, run_jobs, worker_local
from hermes_core.registry import HermesError

TRAJECTORIES = "trajectories.jsonl"
FAILURES = "failures.jsonl"
TOOL_STATS = "tool_stats.json"
SUMMARY = "summary.json"
CLIENT_SHARE = 64
PROMPT_KEYS = ("prompt", "task", "question", "input", "instruction")


# -- hermes batch -------------------------------------------------------------------------------------


@dataclass
class Prompt:
    id: str
    prompt: Any
    system: str | None = None
    metadata: Any = None


def read_prompts(path: str) -> list[Prompt]:
    """Prompts from JSONL: a string, or an object with ``prompt`` (or ``messages``) and optional ``id``.

    An id defaults to the line number, so keep the file unchanged between a run and its ``--resume``.
    """
    prompts: list[Prompt] = []
    seen: set[str] = set()
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except json.JSONDecodeError as exc:  # its "line 1" would be the line's own first line
                raise HermesError(
                    f"{path}:{number}: not valid JSON ({exc.msg} at column {exc.colno})"
                ) from None
            except ValueError as exc:
                raise HermesError(f"{path}:{number}: not valid JSON ({exc})") from None
            if isinstance(item, str):
                prompt = Prompt(str(number), item)
            elif isinstance(item, dict):
                text = item.get("messages") or next((item[k] for k in PROMPT_KEYS if item.get(k)), None)
                if not text:
                    raise HermesError(
                        f"{path}:{number}: no prompt (expected one of: {', '.join(PROMPT_KEYS)})"
                    )
                raw_id = item.get("id", item.get("prompt_id"))
                prompt = Prompt(
                    str(raw_id) if raw_id is not None else str(number),
                    text,
                    item.get("system"),
                    item.get("metadata"),
                )
            else:
                raise HermesError(f"{path}:{number}: expected a string or an object")
            if prompt.id in seen:
                raise HermesError(f"{path}:{number}: duplicate prompt id {prompt.id!r}")
            seen.add(prompt.id)
            prompts.append(prompt)
    return prompts


def _ids_in(path: Path) -> set[str]:
    from hermes_agent_loop.trajectory import read_jsonl

    return {str(r["id"]) for r in read_jsonl(path) if "id" in r}


def tool_statistics(out: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(tool_stats, summary)`` over every record in ``out`` (a retried failure counts once, as retried)."""
    from hermes_agent_loop.metrics import ToolCallMetrics
    from hermes_agent_loop.trajectory import read_jsonl

    latest: dict[str, dict[str, Any]] = {}
    for name in (FAILURES, TRAJECTORIES):  # a success overrides an earlier failure of the same id
        for record in read_jsonl(out / name):
            record["_ok"] = name == TRAJECTORIES
            latest[str(record.get("id"))] = record
    totals = ToolCallMetrics()
    turns = natural = completed = 0
    usage: dict[str, int] = {}
    for record in latest.values():
        totals.merge(record.get("metrics") or {})
        turns += int(record.get("turns_used") or 0)
        natural += bool(record.get("finished_naturally"))
        completed += record["_ok"]
        for key, value in (record.get("usage") or {}).items():
            usage[key] = usage.get(key, 0) + int(value)
    stats = totals.to_dict()
    for tool in stats["per_tool"].values():
        tool["success_rate"] = (
            round(tool["executed_ok"] / tool["attempted"], 4) if tool["attempted"] else None
        )
        tool["schema_valid_rate"] = (
            round(tool["schema_valid"] / tool["attempted"], 4) if tool["attempted"] else None
        )
        tool["seconds"] = round(tool["seconds"], 3)
    summary = {
        "runs": len(latest),
        "completed": completed,
        "failed": len(latest) - completed,
        "finished_naturally": natural,
        "mean_turns": round(turns / len(latest), 3) if latest else None,
        "usage": usage,
    }
    return stats, summary


def _write_json(path: Path, value: Any) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(value, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)


@click.command()
@click.argument("prompts_file", metavar="PROMPTS.jsonl", type=click.Path(exists=True, dir_okay=False))
@click.option("--out", "-o", required=True, type=click.Path(file_okay=False), help="Output directory.")
@click.option(
    "--workers",
    "-w",
    default=8,
    show_default=True,
    type=click.IntRange(1),
    help="Concurrent runs (with --engine ray: across the whole cluster).",
)
@click.option("--resume", is_flag=True, help="Skip prompts whose id is already in the output directory.")
@click.option("--retry-failed", is_flag=True, help="With --resume, run the prompts in failures.jsonl again.")
@click.option("--limit", type=click.IntRange(1), help="Run at most this many prompts (after skipping).")
@click.option("--openai-messages", is_flag=True, help="Also save each run in OpenAI message format.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@engine_options
@common_options
def batch(
    prompts_file: str,
    out: str,
    workers: int,
    resume: bool,
    retry_failed: bool,
    limit: int | None,
    openai_messages: bool,
    quiet: bool,
    engine: str,
    ray_address: str | None,
    **options: Any,
) -> None:
    """Run the agent on every prompt of PROMPTS.jsonl concurrently, saving trajectories as JSONL.

    \b
    Each line of PROMPTS.jsonl is a JSON string (the prompt) or an object with:
      prompt        the task; also read from task, question, input or instruction
      messages      instead of prompt: OpenAI chat messages (a system message there wins over --system)
      id            kept in every record and used by --resume (also prompt_id; default: the line number)
      system        this prompt's system prompt (else --system)
      metadata      any JSON, copied into the prompt's record
    Other keys are ignored; ids must be unique.

    Writes trajectories.jsonl (ShareGPT plus metrics), failures.jsonl (runs that ended in an error),
    tool_stats.json (per-tool counts) and summary.json to --out. Kill it at any point and run again
    with --resume: finished prompts are skipped and nothing is written twice. --engine ray runs the
    prompts on a Ray cluster (--ray-address auto) with the same files; --resume works across engines.

    \b
    Examples:
      echo '{"id": "ls", "prompt": "How many files are in /etc?"}' > prompts.jsonl
      hermes batch prompts.jsonl -o out/ --base-url http://localhost:8000/v1 -m Qwen/Qwen3-8B
      hermes batch prompts.jsonl -o out/ --resume --retry-failed -w 32
      hermes batch prompts.jsonl -o out/ -t none --openai-messages --limit 10
    """
    from hermes_agent_loop.trajectory import JsonlWriter, repair_jsonl

    settings = RunSettings.from_flags(**options)
    prompts = read_prompts(prompts_file)
    _protect_from_signals()
    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    traj_path, fail_path = out_dir / TRAJECTORIES, out_dir / FAILURES
    has_results = any(p.exists() and p.stat().st_size for p in (traj_path, fail_path))
    if has_results and not resume:
        raise HermesError(
            f"{out} already holds results; pass --resume to continue them or choose another --out"
        )
    done: set[str] = set()
    if resume:
        for path in (traj_path, fail_path):
            repair_jsonl(path)  # a line torn by a kill is redone, not glued to the next record
        done = _ids_in(traj_path) | (set() if retry_failed else _ids_in(fail_path))
    todo = [p for p in prompts if p.id not in done]
    if limit:
        todo = todo[:limit]
    workers = min(workers, len(todo))  # -w 640000 on one prompt needs one worker and one client
    tools = settings.tools()
    if not quiet:
        click.echo(
            f"{len(todo)} to run, {len(prompts) - len(todo)} skipped; model {settings.model}; "
            f"tools: {', '.join(t['function']['name'] for t in tools or []) or 'none'}"
            + (f"; engine {engine}" if engine != "local" else ""),
            err=True,
        )
    # one client per 64 concurrent runs in a worker: httpcore's pool scans all its connections for every
    # request, so one client shared by 512 runs spends more CPU in that scan than in the runs
    # (benchmarks/agent_loop.py)
    client_slots = -(-workers // CLIENT_SHARE) if workers else 1
    jobs = [
        Job(prompt.id, rollout, (settings, tools, prompt, openai_messages, i % client_slots))
        for i, prompt in enumerate(todo)
    ]
    secrets = Masker(settings).known
    with (
        JsonlWriter(traj_path, secrets=secrets) as ok_writer,
        JsonlWriter(fail_path, secrets=secrets) as fail_writer,
        _Recorder(todo, settings.model, ok_writer, fail_writer, quiet) as recorder,
    ):
        run_jobs(jobs, recorder, engine=engine, workers=max(workers, 1), ray_address=ray_address)
    counts = recorder.counts
    stats, summary = tool_statistics(out_dir)
    _write_json(out_dir / TOOL_STATS, stats)
    _write_json(out_dir / SUMMARY, summary)
    click.echo(
        f"done: {counts['ok']} ok, {counts['failed']} failed this run; "
        f"{summary['completed']}/{len(prompts)} prompts complete in {out}",
        err=True,
    )
    if todo and not counts["ok"]:
        raise HermesError(f"every one of the {counts['failed']} runs failed; see {fail_path}")


async def rollout(
    settings: RunSettings,
    tools: list[dict[str, Any]] | None,
    prompt: Prompt,
    openai_messages: bool,
    client_slot: int,
) -> dict[str, Any]:
    """One prompt's agent run, wherever a worker runs it: ``{"failed": bool, "record": {...}}``.

    Never raises: an error becomes the record's ``error``. Its sandbox is released before it returns.
    The client and the plugin hooks are the worker's own (made once per worker, see ``worker_local``).
    """
    import asyncio

    from hermes_agent_loop.hooks import RunHooks

    client = worker_local(
        ("openai", settings.base_url, settings.api_key, settings.request_timeout, client_slot),
        settings.client,
        close=lambda c: c.close(),
    )
    hooks = worker_local("run-hooks", RunHooks.of_current_host)
    task_id = f"batch-{prompt.id}-{uuid.uuid4().hex[:8]}"
    started = time.perf_counter()
    try:
        loop = settings.loop(client, tools, task_id, hooks=hooks)
        result = await loop.run(settings.messages(prompt.prompt, prompt.system))
        record = _record(
            prompt.id,
            prompt.prompt,
            result,
            settings,
            tools,
            time.perf_counter() - started,
            openai_messages=openai_messages,
            metadata=prompt.metadata,
        )
        record = await finish_record(record, hooks)
        failed = result.error is not None
    except Exception as exc:  # one bad prompt never stops the batch
        record = {"id": prompt.id, "prompt": prompt.prompt, "model": settings.model}
        record["error"] = f"{type(exc).__name__}: {exc}"
        failed = True
    finally:
        await asyncio.to_thread(_cleanup, task_id)
    return {"failed": failed, "record": record}


class _Recorder:
    """Writes each outcome as it arrives (called once per prompt, one at a time) and moves the bar."""

    def __init__(self, todo: list[Prompt], model: str, ok_writer: Any, fail_writer: Any, quiet: bool):
        self.prompts = {p.id: p for p in todo}
        self.model = model
        self.ok_writer, self.fail_writer = ok_writer, fail_writer
        self.counts = {"ok": 0, "failed": 0}
        self.progress = self.bar = None
        if not quiet and todo:
            self._start_progress(len(todo))

    def __enter__(self) -> _Recorder:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.progress is not None:
            self.progress.stop()

    def _start_progress(self, total: int) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self.progress = Progress(
            TextColumn("[bold]batch"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("ok {task.fields[ok]} · failed {task.fields[failed]}"),
            TimeRemainingColumn(),
            console=Console(stderr=True),
        )
        self.bar = self.progress.add_task("batch", total=total, ok=0, failed=0)
        self.progress.start()

    def __call__(self, outcome: Outcome) -> None:
        prompt = self.prompts[outcome.key]
        if outcome.ok:
            failed, record = bool(outcome.result["failed"]), outcome.result["record"]
        else:  # the run could not finish where it ran (its worker lost past every retry)
            failed = True
            record = {"id": prompt.id, "prompt": prompt.prompt, "model": self.model, "error": outcome.error}
        try:
            (self.fail_writer if failed else self.ok_writer).append(record)
        except Exception as exc:  # a record that cannot be written fails its prompt, not the batch
            failed = True
            error = f"could not save the record: {type(exc).__name__}: {exc}"
            record = {"id": prompt.id, "prompt": prompt.prompt, "model": self.model, "error": error}
            try:
                self.fail_writer.append(record)
            except Exception:  # the prompt itself may be what cannot be written
                del record["prompt"]
                self.fail_writer.append(record)
        self.counts["failed" if failed else "ok"] += 1
        if self.progress is not None:
            self.progress.update(self.bar, advance=1, ok=self.counts["ok"], failed=self.counts["failed"])
