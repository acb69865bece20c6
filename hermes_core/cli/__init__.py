"""The ``hermes`` command line. Sub-commands live in their own modules and load on use."""

from __future__ import annotations

import os
import sys

import click

from hermes_core.cli.lazy import LazyGroup

COMMANDS = {
    "plugins": ("hermes_core.cli.plugins:plugins", "List, install, enable and disable plugins."),
    "tools": ("hermes_core.cli.tools:tools", "List tools and call one."),
    "toolsets": ("hermes_core.cli.tools:toolsets", "List toolsets and what they resolve to."),
    "parse": ("hermes_core.cli.parse:parse", "Parse a raw completion into tool calls."),
    "config": ("hermes_core.cli.config:config", "Show and change ~/.hermes configuration."),
    "doctor": ("hermes_core.cli.doctor:doctor", "Check plugins, tools, endpoint and terminal backend."),
}


@click.group(
    cls=LazyGroup,
    lazy=COMMANDS,
    plugin_commands=True,
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.version_option(package_name="hermes-kernel", prog_name="hermes")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """hermes: tool-calling agents and the RL environments that train them, built from plugins."""
    if ctx.invoked_subcommand is None:
        chat = ctx.command.get_command(ctx, "chat") if sys.stdin.isatty() else None
        if chat is not None:  # the agent plugin's interactive chat, when installed
            ctx.invoke(chat)
        else:
            click.echo(ctx.get_help())


def main(argv: list[str] | None = None) -> None:
    """Entry point: every error a user can cause is one line on stderr and a non-zero exit."""
    from hermes_core.registry import HermesError

    try:
        cli.main(args=argv, prog_name="hermes", standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.exceptions.NoArgsIsHelpError as exc:  # `hermes tools` alone: help, as `hermes` alone
        click.echo(exc.ctx.get_help() if exc.ctx else exc.format_message())
        sys.exit(0)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except HermesError as exc:
        click.echo(f"error: {_masked(str(exc))}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:
        if os.environ.get("HERMES_DEBUG"):
            raise
        message = _masked(f"{type(exc).__name__}: {exc}")
        click.echo(f"error: {message} (HERMES_DEBUG=1 shows the traceback)", err=True)
        sys.exit(1)


def _masked(message: str) -> str:
    """Error lines may quote a value (a URL with a key in it): they go through the secret mask too."""
    try:
        from hermes_core.secrets import mask_secrets

        return mask_secrets(message)
    except Exception:  # masking must never hide the error itself
        return message


if __name__ == "__main__":
    main()
