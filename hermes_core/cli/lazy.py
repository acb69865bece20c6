"""A click group whose sub-commands are imported only when invoked, keeping ``hermes`` quick to start."""

from __future__ import annotations

import importlib

import click


class LazyGroup(click.Group):
    """``lazy={"tools": ("hermes_core.cli.tools:tools", "short help")}``: the module is imported when
    ``tools`` is used; ``--help`` shows the short help without importing anything.

    With ``plugin_commands=True`` the group also offers commands that plugins add through the
    ``register_commands`` hook (plugins are loaded only when an unknown name is asked for, or for help).
    """

    def __init__(
        self, *args, lazy: dict[str, tuple[str, str]] | None = None, plugin_commands=False, **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.lazy = dict(lazy or {})
        self.plugin_commands = plugin_commands
        self._plugins_added: object | None = None  # the host whose plugins' commands are added
        self._added_names: set[str] = set()

    def add_lazy_command(self, name: str, target: str, short_help: str) -> None:
        """What a plugin's ``register_commands`` calls to add ``name`` without importing its module."""
        if name in self.lazy or name in self.commands:
            raise ValueError(f"command {name!r} already exists")
        self.lazy[name] = (target, short_help)

    def add_plugin_commands(self) -> None:
        """Let the current host's plugins add their commands, once per host: a process that swaps its
        host (an embedding application, a test) gets the new host's commands, not the old one's."""
        if not self.plugin_commands:
            return
        from hermes_core.plugins import get_hermes

        host = get_hermes()
        if self._plugins_added is host:
            return
        for name in self._added_names:  # what the previous host's plugins added
            self.lazy.pop(name, None)
            self.commands.pop(name, None)
        before = {*self.lazy, *self.commands}
        self._plugins_added = host
        host.add_commands(self)
        self._added_names = {*self.lazy, *self.commands} - before

    def list_commands(self, ctx: click.Context) -> list[str]:
        self.add_plugin_commands()
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        command = self._lazy_command(name) or super().get_command(ctx, name)
        if command is None and self.plugin_commands:
            self.add_plugin_commands()  # plugins may add ``name``, eagerly or lazily
            command = self._lazy_command(name) or super().get_command(ctx, name)
        return command

    def resolve_command(self, ctx: click.Context, args: list[str]):
        """An unknown command says which first-party plugin would add it, or which command was meant."""
        if self.plugin_commands and args and self.get_command(ctx, args[0]) is None:
            from hermes_core.first_party import install_hint
            from hermes_core.plugins import get_hermes

            hint = install_hint("commands", args[0], get_hermes().records)
            if hint:
                ctx.fail(f"No such command {args[0]!r}: {hint}.")
        if args and self.get_command(ctx, args[0]) is None:
            import difflib

            close = difflib.get_close_matches(args[0], self.list_commands(ctx), n=2)
            if close:
                ctx.fail(f"No such command {args[0]!r}; did you mean {' or '.join(close)}?")
        return super().resolve_command(ctx, args)

    def _lazy_command(self, name: str) -> click.Command | None:
        if name not in self.lazy:
            return None
        module_name, _, attr = self.lazy[name][0].partition(":")
        return getattr(importlib.import_module(module_name), attr)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        self.add_plugin_commands()
        rows = [(name, help_text) for name, (_, help_text) in self.lazy.items()]
        for name in super().list_commands(ctx):
            command = super().get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(limit=80)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(sorted(rows))
        missing = self._uninstalled_commands({name for name, _ in rows}) if self.plugin_commands else []
        if missing:  # a minimal install: what `hermes run` & co. would take
            with formatter.section("Commands that other plugins add"):
                formatter.write_dl(missing)

    @staticmethod
    def _uninstalled_commands(present: set[str]) -> list[tuple[str, str]]:
        """``[("batch, chat, run", "pip install hermes-agent-loop"), ...]``: first-party commands absent,
        and what brings each (or enables it, for a disabled plugin)."""
        from hermes_core.first_party import PROVIDES
        from hermes_core.plugins import get_hermes

        records = get_hermes().records
        rows = []
        for distribution, provided in PROVIDES.items():
            absent = [c for c in provided.get("commands", ()) if c not in present]
            record = records.get(distribution)
            if not absent:
                continue
            if record is None:
                rows.append((", ".join(absent), f"pip install {distribution}"))
            elif record.status == "disabled":
                rows.append((", ".join(absent), f"hermes plugins enable {distribution}"))
            else:
                rows.append((", ".join(absent), f"{distribution} did not load: hermes plugins list says why"))
        return rows
