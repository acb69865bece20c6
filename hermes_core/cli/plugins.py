"""``hermes plugins``: what is installed, what each plugin provides, and why a broken one failed."""

from __future__ import annotations

import json

import click

from hermes_core.cli.lazy import LazyGroup

ADMIN = "hermes_core.cli.plugin_admin"


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
def list_plugins(as_json: bool) -> None:
    """Every discovered plugin: version, hooks, what it registered, and its status."""
    from hermes_core.plugins import get_hermes

    records = [r.to_dict() for r in get_hermes().records.values()]
    if as_json:
        click.echo(json.dumps(records, indent=2))
        return
    for record in records:
        status = record["status"] if not record["error"] else f"{record['status']}: {record['error']}"
        click.echo(f"{record['name']} {record['version'] or ''}".rstrip() + f"  [{status}]")
        if record["hooks"]:
            click.echo(f"    hooks: {', '.join(record['hooks'])}")
        for kind, names in record["provides"].items():
            click.echo(f"    {kind}: {', '.join(names)}")
