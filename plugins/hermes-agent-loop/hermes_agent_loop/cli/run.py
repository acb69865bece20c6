"""``hermes run`` (one agent run, shown live) and what ``hermes batch`` shares with it.

The endpoint comes from flags, then ``OPENAI_BASE_URL`` / ``OPENAI_API_KEY`` / ``HERMES_MODEL``, then
``model.base_url`` / ``model.api_key`` / ``model.name`` in ``~/.hermes/config.yaml``. ``rich`` and
``openai`` are imported when a command runs, not when ``hermes --help`` does. Nothing printed or saved
carries a known secret (the key given with ``--api-key`` included): see :class:`Masker`.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Callable
from typing import Any

import click

from hermes_agent_loop.cli.settings import RunSettings
from hermes_core.registry import HermesError

reasoning_parser_option = click.option(
    "--reasoning-parser",
    help="Split the reply text's reasoning into reasoning_content client-side, as vLLM's "
    "--reasoning-parser does (qwen3, deepseek_r1, ...; pip install hermes-reasoning-parsers).",
)
"""``--reasoning-parser``, shared by ``run``, ``batch`` and ``chat``."""


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
        reasoning_parser_option,
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
        click.option(
            "--reasoning-round-trip",
            help="Reasoning fields sent back to the server: auto (by provider), none, reasoning_content, "
            "reasoning_details.",
        ),
        click.option("--system", help="System prompt (saved in trajectories)."),
        click.option("--ephemeral-system-prompt", help="System prompt used for the run but not saved."),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


def _protect_from_signals() -> None:
    """SIGTERM / SIGHUP release every sandbox (processes, /tmp folders) before we go; what an earlier
    ``kill -9`` left behind is reclaimed now."""
    from hermes_core.sandboxes import install_signal_cleanup

    install_signal_cleanup()


class Masker:
    """Masks every secret hermes knows of, plus the key this command was given, in text to be shown."""

    def __init__(self, settings: RunSettings) -> None:
        from hermes_core.secrets import secret_values

        self.known = secret_values() | {k for k in (settings.api_key,) if k and k != "EMPTY" and len(k) >= 8}

    def __call__(self, text: str) -> str:
        from hermes_core.secrets import mask_secrets

        return mask_secrets(text, known=self.known)


async def finish_record(record: dict[str, Any], hooks: Any) -> dict[str, Any]:
    """The record as ``pre_trajectory_write`` plugins leave it (a reward added, a field dropped)."""
    if hooks is None or not hooks.pre_trajectory_write:
        return record
    changed = await hooks.chain("pre_trajectory_write", "record", record=record)
    return changed if isinstance(changed, dict) else record


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


def _live_printer(console: Any, mask: Callable[[str], str]) -> Callable:
    """Each event as one line on stderr, secrets masked. A run's final error is not shown here: the
    command prints it once, as its exit message."""
    from rich.text import Text

    def show(event: Any) -> None:
        data = event.data
        if event.kind == "assistant":
            if data.get("tool_calls") and (data.get("content") or "").strip():
                console.print(Text(mask(data["content"].strip()), style="italic"))
        elif event.kind == "tool_call":
            args = mask(json.dumps(data["arguments"], ensure_ascii=False))
            console.print(Text.assemble(("→ ", "cyan"), (data["name"], "bold cyan"), " ", _clip(args, 300)))
        elif event.kind == "tool_result":
            style = "red" if data.get("error") else "dim"
            line = _clip(mask(data["result"].replace("\n", " ")), 300)
            console.print(Text.assemble(("← ", style), (line, style), (f"  ({data['seconds']:.2f}s)", "dim")))
        elif event.kind == "retry":
            console.print(Text(mask(f"retry {data['attempt']}: {data['error']}"), style="yellow"))

    return show


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def unread_tool_calls_hint(answer: str | None, tools: list[dict[str, Any]] | None) -> str | None:
    """One line naming the ``--tool-call-parser`` that would read the tool calls ``answer`` writes as text.

    Only a hint, not ``auto`` by default: a server that parses tool calls itself (vLLM with its own
    ``--tool-call-parser``, hosted APIs) would have its answers re-read client-side, formats sharing a
    marker (``<tool_call>``: hermes, qwen, glm) would be told apart by guessing on every run, and the
    agent loop would need hermes-parsers installed. Naming the parser once keeps runs reproducible.
    """
    if not answer:
        return None
    from hermes_core.plugins import get_hermes

    try:
        detect = get_hermes().parser("auto", tools).detect
    except HermesError:  # no hermes-parsers: only the commonest marker can be noticed
        if "<tool_call>" not in answer or "</tool_call>" not in answer:
            return None
        return (
            "hint: the answer holds <tool_call> markup that was not run: pip install hermes-parsers, "
            "then pass --tool-call-parser auto (or the format's name)"
        )
    name = detect(answer)
    if name is None:
        return None
    return (
        f"hint: the answer holds tool calls written as text ({name} format) that were not run: "
        f"pass --tool-call-parser {name} (or set model.tool_call_parser)"
    )


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
    """Run the agent once on TASK, showing each tool call and result as it happens.

    The answer goes to stdout, the tool calls to stderr; the exit status is 1 when the run ends in an error.

    \b
    Examples:
      hermes run "How many files are in /etc?" --base-url http://localhost:8000/v1 -m Qwen/Qwen3-8B
      hermes run "Summarise README.md" -t file --save-trajectory runs.jsonl
      hermes run "What is 17*23?" -t none -q --tool-call-parser hermes
    """
    from hermes_agent_loop.hooks import RunHooks

    settings = RunSettings.from_flags(**options)
    _protect_from_signals()
    tools = settings.tools()
    mask = Masker(settings)
    hooks = RunHooks.of_current_host()
    on_event = None
    if not (quiet or as_json):
        from rich.console import Console

        on_event = _live_printer(Console(stderr=True, highlight=False), mask)
    task_id = f"run-{uuid.uuid4().hex[:12]}"

    async def go():
        client = settings.client()
        started = time.perf_counter()
        try:
            loop = settings.loop(client, tools, task_id, on_event, hooks=hooks)
            result = await loop.run(settings.messages(task))
        finally:
            await client.close()
        record = None
        if save_trajectory:
            record = _record(task_id, task, result, settings, tools, time.perf_counter() - started)
            record = await finish_record(record, hooks)
        return result, record

    try:
        result, record = asyncio.run(go())
    finally:
        _cleanup(task_id)
    if record is not None:
        from hermes_agent_loop.trajectory import append_jsonl

        append_jsonl(save_trajectory, record, secrets=mask.known)
    if as_json:
        payload = {"model": settings.model, **result.to_dict()}
        click.echo(mask(json.dumps(payload, ensure_ascii=False, indent=2)))
    elif result.final_response is not None:
        click.echo(mask(result.final_response))
    if not settings.tool_call_parser:
        hint = unread_tool_calls_hint(result.final_response, tools)
        if hint:
            click.echo(hint, err=True)
    if result.error:
        raise HermesError(mask(result.error))
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
    from hermes_agent_loop.trajectory import to_sharegpt

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
