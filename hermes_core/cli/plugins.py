"""``hermes plugins``: what is installed, what each plugin provides, and why a broken one failed."""

from __future__ import annotations

import json
from collections import Counter

import click

from hermes_core.cli.lazy import LazyGroup

ADMIN = "hermes_core.cli.plugin_admin"
_STATUS_COLOUR = {"ok": "green", "failed": "red", "incompatible": "yellow", "disabled": "bright_black"}
_DETAIL_KINDS = ("settings",)  # long lists only --verbose shows


@click.group(
    cls=LazyGroup,
    lazy={
        "install": (f"{ADMIN}:install", "Install a plugin (pip, into this environment)."),
        "uninstall": (f"{ADMIN}:uninstall", "Uninstall a plugin."),
        "enable": (f"{ADMIN}:enable", "Enable a disabled plugin."),
        "disable": (f"{ADMIN}:disable", "Disable a plugin without uninstalling it."),
    },
)
def plugins() -> None:
    """List and manage plugins."""


@plugins.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON list, for scripts.")
@click.option("-v", "--verbose", is_flag=True, help="Also each plugin's hooks and settings.")
def list_plugins(as_json: bool, verbose: bool) -> None:
    """Every discovered plugin: version, status, and what it provides (with aliases).

    \b
    Examples:
      hermes plugins list
      hermes plugins list -v
      hermes plugins list --json | jq '.[] | select(.status != "ok")'
    """
    from hermes_core.plugins import get_hermes

    host = get_hermes()
    root = click.get_current_context().find_root().command
    if isinstance(root, LazyGroup):  # so each record names the commands its plugin adds
        root.add_plugin_commands()
    records = [r.to_dict() for r in host.records.values()]
    if as_json:
        click.echo(json.dumps(records, indent=2))
        return
    click.echo(summary_line(records))
    for record in records:
        status = record["status"] if not record["error"] else f"{record['status']}: {record['error']}"
        name = f"{record['name']} {record['version'] or ''}".rstrip()
        click.echo(f"{name}  [" + click.style(status, fg=_STATUS_COLOUR.get(record["status"])) + "]")
        if verbose and record["hooks"]:
            click.echo(f"    hooks: {', '.join(record['hooks'])}")
        for kind, names in record["provides"].items():
            if verbose or kind not in _DETAIL_KINDS:
                click.echo(f"    {kind}: {', '.join(_with_aliases(host, kind, names))}")


def summary_line(records: list[dict]) -> str:
    """``47 plugins: 46 ok, 1 failed`` — what a long list is about, before it scrolls by."""
    counts = Counter(r["status"] for r in records)
    parts = ", ".join(f"{n} {status}" for status, n in sorted(counts.items(), key=lambda kv: kv[0] != "ok"))
    return f"{len(records)} plugins: {parts or 'none installed'}"


def _with_aliases(host, kind: str, names: list[str]) -> list[str]:
    """``qwen (qwen2_5, qwen3)``: an alias is a name a user may type, so the listing shows it."""
    registry = host.registry(kind)
    shown = []
    for name in names:
        aliases = registry.entry(name).aliases if name in registry else ()
        shown.append(f"{name} ({', '.join(aliases)})" if aliases else name)
    return shown
