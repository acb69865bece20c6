"""``hermes tools`` and ``hermes toolsets``: inspect and call tools from the shell."""

from __future__ import annotations

import json

import click

from hermes_core.registry import HermesError
from hermes_core.sandboxes import DEFAULT_TASK


@click.group()
def tools() -> None:
    """List and call tools."""


@tools.command("list")
@click.option("--toolset", "toolset", help="Only the tools of this toolset (includes resolved).")
@click.option("--json", "as_json", is_flag=True)
def list_tools(toolset: str | None, as_json: bool) -> None:
    """Every registered tool, available or with the reason it is not.

    \b
    Examples:
      hermes tools list --toolset default
      hermes tools list --json | jq -r '.[] | select(.available) | .name'
    """
    from hermes_core.plugins import get_hermes

    host = get_hermes()
    names = host.toolsets.resolve(toolset) if toolset else host.tools.names()
    rows = []
    for name in names:
        if name not in host.tools:
            reason = host.tools.missing_hint(name) or "no plugin provides it"
            rows.append({"name": name, "plugin": None, "available": False, "reason": reason})
            continue
        entry = host.tools.entry(name)
        reason = entry.load().unavailable_reason()
        rows.append({"name": name, "plugin": entry.plugin, "available": reason is None, "reason": reason})
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    available = sum(row["available"] for row in rows)
    click.echo(f"{len(rows)} tools: {available} available, {len(rows) - available} unavailable")
    missing = missing_distributions(host, toolset or "default") if not rows else []
    if missing:  # a minimal install: say where the tools come from
        click.echo(f"tools come with plugins: pip install {' '.join(missing)}")
    for row in rows:
        state = (
            click.style("ok", fg="green")
            if row["available"]
            else click.style(f"unavailable: {row['reason']}", fg="yellow")
        )  # click drops the colour when stdout is not a terminal
        click.echo(f"{row['name']:<20} {row['plugin'] or '-':<24} {state}")


@tools.command("show")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="The tool's OpenAI definition plus its status.")
def show_tool(name: str, as_json: bool) -> None:
    """A tool's description, parameters, toolsets and availability (and why not).

    \b
    Examples:
      hermes tools show terminal
      hermes tools show read_file --json
    """
    from hermes_core.plugins import get_hermes

    host = get_hermes()
    entry = host.tools.entry(name)  # an unknown name is a one-line error listing the installed tools
    tool = entry.load()
    reason = tool.unavailable_reason()
    in_toolsets = [t for t in host.toolsets.names() if name in _resolved(host, t)]
    if as_json:
        status = {"plugin": entry.plugin, "available": reason is None, "reason": reason}
        click.echo(json.dumps({**tool.openai_schema(), **status, "toolsets": in_toolsets}, indent=2))
        return
    click.echo(f"{tool.name}  (plugin {entry.plugin})")
    click.echo(f"  {tool.description}")
    schema = tool.json_schema()
    required = set(schema.get("required", ()))
    click.echo("parameters:" if schema.get("properties") else "parameters: none")
    for key, spec in schema.get("properties", {}).items():
        kind = _type_of(spec)
        flag = "required" if key in required else "optional"
        if spec.get("default") is not None:
            flag += f" (default {json.dumps(spec['default'])})"
        about = spec.get("description", "")
        click.echo(f"  {key}: {kind}, {flag}" + (f" — {about}" if about else ""))
    click.echo(f"toolsets: {', '.join(in_toolsets) or 'none'}")
    state = click.style("available", fg="green") if reason is None else click.style(reason, fg="yellow")
    click.echo(f"status: {state}")


def _type_of(spec: dict) -> str:
    """``integer``, ``number`` for pydantic's ``anyOf [number, null]``, ``string | array``..."""
    if "type" in spec:
        kinds = spec["type"] if isinstance(spec["type"], list) else [spec["type"]]
    else:
        kinds = [s.get("type", "any") for s in spec.get("anyOf", spec.get("oneOf", [{}]))]
    shown = [k for k in kinds if k != "null"] or ["null"]
    return " | ".join(dict.fromkeys(shown))


def _resolved(host, toolset: str) -> list[str]:
    try:
        return host.toolsets.resolve(toolset)
    except HermesError:  # a broken toolset is reported by `hermes toolsets list`, not here
        return []


@tools.command("call")
@click.argument("name")
@click.argument("arguments", default="{}")
@click.option(
    "--task-id",
    default=DEFAULT_TASK,
    show_default=True,
    help="The task whose sandbox the tool acts in. With the local backend its folder "
    "($HERMES_HOME/tasks/TASK) is kept between calls; `hermes tools clean` removes it.",
)
def call_tool(name: str, arguments: str, task_id: str) -> None:
    """Call tool NAME with ARGUMENTS (a JSON object) and print its JSON result.

    \b
    Examples:
      hermes tools call write_file '{"path": "a.txt", "content": "hi"}'
      hermes tools call read_file '{"path": "a.txt"}'
      hermes tools call terminal '{"command": "ls"}' --task-id demo
    """
    from hermes_core.plugins import get_hermes
    from hermes_core.sandboxes import cleanup_task

    try:
        args = json.loads(arguments)
    except ValueError as exc:
        raise HermesError(f"ARGUMENTS is not valid JSON: {exc}") from None
    _keep_task_folder(task_id)
    try:
        outcome = get_hermes().tools.call(name, args, task_id=task_id)
    finally:
        cleanup_task(task_id)  # the sandbox goes; a kept folder stays for the next call
    if outcome.unknown:  # the registry's message: a near name, or the distribution that provides it
        raise HermesError(get_hermes().tools.unknown_message(name))
    from hermes_core.secrets import mask_secrets

    click.echo(mask_secrets(outcome.content))  # a tool may echo the environment: keys stay off the terminal
    if not outcome.ok:
        raise SystemExit(1)


@tools.command("clean")
@click.option("--task-id", default=DEFAULT_TASK, show_default=True, help="The task whose folder goes.")
@click.option("--all", "every", is_flag=True, help="Every task folder `hermes tools call` kept.")
def clean_tasks(task_id: str, every: bool) -> None:
    """Remove the task folders that `hermes tools call` keeps between calls (local backend).

    \b
    Examples:
      hermes tools clean                  # the shared 'default' task
      hermes tools clean --task-id demo
      hermes tools clean --all
    """
    import shutil

    folders = sorted(_tasks_root().glob("*")) if every else [_task_folder(task_id)]
    removed = [f for f in folders if f.is_dir()]
    for folder in removed:
        shutil.rmtree(folder, ignore_errors=True)
    click.echo(f"removed {len(removed)} task folder(s)" + (f" under {_tasks_root()}" if removed else ""))


def _tasks_root():
    from hermes_core.config_files import hermes_home

    return hermes_home() / "tasks"


def _task_folder(task_id: str):
    from hermes_core.terminal import task_dir_name

    return _tasks_root() / task_dir_name(task_id)


def _keep_task_folder(task_id: str) -> None:
    """With the local backend, the task works in a folder under HERMES_HOME that outlives the command,
    so `write_file a.txt` then `read_file a.txt` work as two invocations. Other backends' sandboxes
    (a container, a remote folder) start fresh on each call."""
    from hermes_core.sandboxes import TaskOverrides, sandbox_table, selected_backend_name

    if selected_backend_name() == "local":
        folder = _task_folder(task_id)
        folder.mkdir(parents=True, exist_ok=True)
        sandbox_table().set_overrides(task_id, TaskOverrides(cwd=str(folder)))


def missing_distributions(host, toolset: str) -> list[str]:
    """The first-party distributions that would bring ``toolset``'s missing tools and included toolsets."""
    from hermes_core.first_party import provider

    if toolset not in host.toolsets:
        return []
    wanted = host.toolsets.get(toolset)
    found = {provider("tools", t) for t in wanted.tools if t not in host.tools}
    included = (*wanted.includes, *wanted.optional_includes)
    found |= {provider("toolsets", t) for t in included if t not in host.toolsets}
    return sorted(found - {None})


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
                "install": [] if resolved else missing_distributions(host, entry.name),
            }
        )
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    for row in rows:
        missing = f": pip install {' '.join(row['install'])}" if row["install"] else ""
        detail = (
            f"error: {row['error']}"
            if row["error"]
            else ", ".join(row["tools"]) or f"(no tools installed{missing})"
        )
        click.echo(f"{row['name']:<16} {detail}")
