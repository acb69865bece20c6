"""``hermes tools`` and ``hermes toolsets``: inspect and call tools from the shell."""

from __future__ import annotations

import json

import click

from hermes_core.registry import HermesError


@click.group()
def tools() -> None:
    """List and call tools."""


@tools.command("list")
@click.option("--toolset", "toolset", help="Only the tools of this toolset (includes resolved).")
@click.option("--json", "as_json", is_flag=True)
def list_tools(toolset: str | None, as_json: bool) -> None:
    """Every registered tool, available or with the reason it is not."""
    from hermes_core.plugins import get_hermes

    host = get_hermes()
    names = host.toolsets.resolve(toolset) if toolset else host.tools.names()
    rows = []
    for name in names:
        if name not in host.tools:
            rows.append({"name": name, "plugin": None, "available": False, "reason": "no plugin provides it"})
            continue
        entry = host.tools.entry(name)
        reason = entry.load().unavailable_reason()
        rows.append({"name": name, "plugin": entry.plugin, "available": reason is None, "reason": reason})
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    for row in rows:
        state = "ok" if row["available"] else f"unavailable: {row['reason']}"
        click.echo(f"{row['name']:<20} {row['plugin'] or '-':<24} {state}")


@tools.command("call")
@click.argument("name")
@click.argument("arguments", default="{}")
@click.option("--task-id", default=None, help="Sandbox / state key (default: a shared 'default' task).")
def call_tool(name: str, arguments: str, task_id: str | None) -> None:
    """Call tool NAME with ARGUMENTS (a JSON object) and print its JSON result."""
    from hermes_core.plugins import get_hermes
    from hermes_core.sandboxes import cleanup_task

    try:
        args = json.loads(arguments)
    except ValueError as exc:
        raise HermesError(f"ARGUMENTS is not valid JSON: {exc}") from None
    try:
        outcome = get_hermes().tools.call(name, args, task_id=task_id)
    finally:
        cleanup_task(task_id)
    if outcome.unknown:
        raise HermesError(outcome.error)
    from hermes_core.secrets import mask_secrets

    click.echo(mask_secrets(outcome.content))  # a tool may echo the environment: keys stay off the terminal
    if not outcome.ok:
        raise SystemExit(1)


@click.group()
def toolsets() -> None:
    """List toolsets and what they resolve to."""


@toolsets.command("list")
@click.option("--json", "as_json", is_flag=True)
def list_toolsets(as_json: bool) -> None:
    """Every toolset with its resolved tools (a cycle or unknown include is reported, not raised)."""
    from hermes_core.plugins import get_hermes

    host = get_hermes()
    rows = []
    for entry in host.toolsets.entries():
        toolset = entry.load()
        try:
            resolved, error = host.toolsets.resolve(entry.name), None
        except HermesError as exc:
            resolved, error = [], str(exc)
        rows.append(
            {
                "name": entry.name,
                "plugin": entry.plugin,
                "includes": list(toolset.includes)
                + [i for i in toolset.optional_includes if i in host.toolsets],
                "tools": resolved,
                "error": error,
            }
        )
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    for row in rows:
        detail = (
            f"error: {row['error']}" if row["error"] else ", ".join(row["tools"]) or "(no tools installed)"
        )
        click.echo(f"{row['name']:<16} {detail}")
