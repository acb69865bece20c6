"""``hermes run`` (one agent run, shown live) and ``hermes batch`` (many runs to JSONL, resumable).

The endpoint comes from flags, then ``OPENAI_BASE_URL`` / ``OPENAI_API_KEY`` / ``HERMES_MODEL``, then
``model.base_url`` / ``model.api_key`` / ``model.name`` in ``~/.hermes/config.yaml``. ``rich`` and
``openai`` are imported when a command runs, not when ``hermes --help`` does.

``batch`` writes each finished record as one fsynced line, so a batch killed at any moment loses only the
runs in flight, and ``--resume`` skips every prompt id already written: nothing lost, nothing twice.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from hermes_core.cli.settings import RunSettings
from hermes_core.registry import HermesError

TRAJECTORIES = "trajectories.jsonl"
FAILURES = "failures.jsonl"
TOOL_STATS = "tool_stats.json"
SUMMARY = "summary.json"
CLIENT_SHARE = 64
PROMPT_KEYS = ("prompt", "task", "question", "input", "instruction")


def common_options(fn: Callable) -> Callable:
    """The options ``run`` and ``batch`` share."""
    options = [
        click.option("--model", "-m", help="Model name (else HERMES_MODEL, else model.name in config)."),
        click.option("--base-url", help="OpenAI-compatible endpoint (else OPENAI_BASE_URL, else config)."),
        click.option(
            "--api-key", help="API key (else OPENAI_API_KEY, else config; local servers need none)."
        ),
        click.option(
            "--toolsets", "-t", help="Comma-separated toolsets; 'none' for no tools (else config: default)."
        ),
        click.option("--disable-toolsets", default="", help="Comma-separated toolsets to leave out."),
        click.option("--max-turns", type=click.IntRange(1), help="Model calls per run (else config: 30)."),
        click.option(
            "--tool-call-parser",
            help="Parse tool calls from the reply text client-side (for servers without a tool parser).",
        ),
        click.option("--temperature", type=float),
        click.option("--max-tokens", type=click.IntRange(1), help="Completion tokens per turn."),
        click.option(
            "--max-context-tokens",
            type=click.IntRange(1),
            help="Truncate what is sent to fit (the saved trajectory stays whole).",
        ),
        click.option("--tool-timeout", type=float, help="Seconds a tool may run before it answers an error."),
        click.option("--max-retries", default=3, show_default=True, type=click.IntRange(0)),
        click.option("--request-timeout", default=600.0, show_default=True, type=float),
        click.option("--system", help="System prompt (saved in trajectories)."),
        click.option("--ephemeral-system-prompt", help="System prompt used for the run but not saved."),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


def _cleanup(task_id: str) -> None:
    try:
        from hermes_core.sandboxes import cleanup_task
    except ImportError:
        return
    try:
        cleanup_task(task_id)
    except Exception as exc:  # a sandbox that will not die must not hide the run's result
        click.echo(f"warning: cleaning up sandbox {task_id}: {exc}", err=True)


# -- hermes run ---------------------------------------------------------------------------------------


def _live_printer(console: Any) -> Callable:
    from rich.text import Text

    def show(event: Any) -> None:
        data = event.data
        if event.kind == "assistant":
            if data.get("tool_calls") and (data.get("content") or "").strip():
                console.print(Text(data["content"].strip(), style="italic"))
        elif event.kind == "tool_call":
            args = json.dumps(data["arguments"], ensure_ascii=False)
            console.print(Text.assemble(("→ ", "cyan"), (data["name"], "bold cyan"), " ", _clip(args, 300)))
        elif event.kind == "tool_result":
            style = "red" if data.get("error") else "dim"
            line = _clip(data["result"].replace("\n", " "), 300)
            console.print(Text.assemble(("← ", style), (line, style), (f"  ({data['seconds']:.2f}s)", "dim")))
        elif event.kind == "retry":
            console.print(Text(f"retry {data['attempt']}: {data['error']}", style="yellow"))
        elif event.kind == "error":
            console.print(Text(f"error: {data['error']}", style="bold red"))

    return show


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


@click.command()
@click.argument("task")
@common_options
@click.option(
    "--save-trajectory",
    type=click.Path(dir_okay=False),
    help="Append the run to this JSONL file (ShareGPT).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as one JSON object.")
@click.option("--quiet", "-q", is_flag=True, help="Print only the final answer.")
def run(task: str, save_trajectory: str | None, as_json: bool, quiet: bool, **options: Any) -> None:
    """Run the agent once on TASK, showing each tool call and result as it happens."""
    settings = RunSettings.from_flags(**options)
    tools = settings.tools()
    on_event = None
    if not (quiet or as_json):
        from rich.console import Console

        on_event = _live_printer(Console(stderr=True, highlight=False))
    task_id = f"run-{uuid.uuid4().hex[:12]}"

    async def go():
        client = settings.client()
        try:
            return await settings.loop(client, tools, task_id, on_event).run(settings.messages(task))
        finally:
            await client.close()

    try:
        result = asyncio.run(go())
    finally:
        _cleanup(task_id)
    if save_trajectory:
        from hermes_core.agent.trajectory import append_jsonl

        append_jsonl(save_trajectory, _record(task_id, task, result, settings, tools, 0.0))
    if as_json:
        click.echo(json.dumps({"model": settings.model, **result.to_dict()}, ensure_ascii=False, indent=2))
    elif result.final_response is not None:
        click.echo(result.final_response)
    if result.error:
        raise HermesError(result.error)
    if not result.finished_naturally and not as_json:
        click.echo(f"warning: stopped after {result.turns_used} turns without a final answer", err=True)


def _record(
    prompt_id: str,
    prompt: Any,
    result: Any,
    settings: RunSettings,
    tools: list[dict[str, Any]] | None,
    seconds: float,
    *,
    openai_messages: bool = False,
    metadata: Any = None,
) -> dict[str, Any]:
    from hermes_core.agent.trajectory import to_sharegpt

    record = {
        "id": prompt_id,
        "prompt": prompt,
        "model": settings.model,
        **to_sharegpt(result.messages, tools, settings.ephemeral_system_prompt),
        **result.to_dict(),
        "seconds": round(seconds, 3),
        "toolsets": settings.toolsets,
        "timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    if openai_messages:
        record["messages"] = result.messages
    if metadata is not None:
        record["metadata"] = metadata
    return record


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
            except ValueError as exc:
                raise HermesError(f"{path}:{number}: not valid JSON: {exc}") from None
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
    from hermes_core.agent.trajectory import read_jsonl

    return {str(r["id"]) for r in read_jsonl(path) if "id" in r}


def tool_statistics(out: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(tool_stats, summary)`` over every record in ``out`` (a retried failure counts once, as retried)."""
    from hermes_core.agent.metrics import ToolCallMetrics
    from hermes_core.agent.trajectory import read_jsonl

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
    "--workers", "-w", default=8, show_default=True, type=click.IntRange(1), help="Concurrent runs."
)
@click.option("--resume", is_flag=True, help="Skip prompts whose id is already in the output directory.")
@click.option("--retry-failed", is_flag=True, help="With --resume, run the prompts in failures.jsonl again.")
@click.option("--limit", type=click.IntRange(1), help="Run at most this many prompts (after skipping).")
@click.option("--openai-messages", is_flag=True, help="Also save each run in OpenAI message format.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
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
    **options: Any,
) -> None:
    """Run the agent on every prompt of PROMPTS.jsonl concurrently, saving trajectories as JSONL.

    Writes trajectories.jsonl (ShareGPT plus metrics), failures.jsonl (runs that ended in an error),
    tool_stats.json (per-tool counts) and summary.json to --out. Kill it at any point and run again
    with --resume: finished prompts are skipped and nothing is written twice.
    """
    from hermes_core.agent.trajectory import JsonlWriter, repair_jsonl

    settings = RunSettings.from_flags(**options)
    prompts = read_prompts(prompts_file)
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
    tools = settings.tools()
    if not quiet:
        click.echo(
            f"{len(todo)} to run, {len(prompts) - len(todo)} skipped; model {settings.model}; "
            f"tools: {', '.join(t['function']['name'] for t in tools or []) or 'none'}",
            err=True,
        )
    counts = {"ok": 0, "failed": 0}
    with JsonlWriter(traj_path) as ok_writer, JsonlWriter(fail_path) as fail_writer:
        asyncio.run(
            _run_batch(settings, tools, todo, workers, ok_writer, fail_writer, counts, openai_messages, quiet)
        )
    stats, summary = tool_statistics(out_dir)
    _write_json(out_dir / TOOL_STATS, stats)
    _write_json(out_dir / SUMMARY, summary)
    click.echo(
        f"done: {counts['ok']} ok, {counts['failed']} failed this run; "
        f"{summary['completed']}/{len(prompts)} prompts complete in {out}",
        err=True,
    )


async def _run_batch(
    settings: RunSettings,
    tools: list[dict[str, Any]] | None,
    todo: list[Prompt],
    workers: int,
    ok_writer: Any,
    fail_writer: Any,
    counts: dict[str, int],
    openai_messages: bool,
    quiet: bool,
) -> None:
    # one client per 64 workers: httpcore's pool scans all its connections for every request, so one
    # client shared by 512 runs spends more CPU in that scan than in the runs (benchmarks/agent_loop.py)
    clients = [settings.client() for _ in range(-(-workers // CLIENT_SHARE))]
    queue = iter(todo)
    progress = None
    if not quiet:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        progress = Progress(
            TextColumn("[bold]batch"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("ok {task.fields[ok]} · failed {task.fields[failed]}"),
            TimeRemainingColumn(),
            console=Console(stderr=True),
        )
        bar = progress.add_task("batch", total=len(todo), ok=0, failed=0)
        progress.start()

    async def one(prompt: Prompt, client: Any) -> None:
        task_id = f"batch-{prompt.id}-{uuid.uuid4().hex[:8]}"
        started = time.perf_counter()
        try:
            loop = settings.loop(client, tools, task_id)
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
            failed = result.error is not None
        except Exception as exc:  # one bad prompt never stops the batch
            record = {"id": prompt.id, "prompt": prompt.prompt, "model": settings.model}
            record["error"] = f"{type(exc).__name__}: {exc}"
            failed = True
        finally:
            await asyncio.to_thread(_cleanup, task_id)
        try:
            await asyncio.to_thread((fail_writer if failed else ok_writer).append, record)
        except Exception as exc:  # a record that cannot be written fails its prompt, not the batch
            failed = True
            error = f"could not save the record: {type(exc).__name__}: {exc}"
            record = {"id": prompt.id, "prompt": prompt.prompt, "model": settings.model, "error": error}
            try:
                await asyncio.to_thread(fail_writer.append, record)
            except Exception:  # the prompt itself may be what cannot be written
                del record["prompt"]
                await asyncio.to_thread(fail_writer.append, record)
        counts["failed" if failed else "ok"] += 1
        if progress is not None:
            progress.update(bar, advance=1, ok=counts["ok"], failed=counts["failed"])

    async def worker(client: Any) -> None:
        for prompt in queue:  # a shared iterator: each prompt is taken by exactly one worker
            await one(prompt, client)

    try:
        await asyncio.gather(*(worker(clients[i % len(clients)]) for i in range(min(workers, len(todo)))))
    finally:
        if progress is not None:
            progress.stop()
        for client in clients:
            await client.close()
