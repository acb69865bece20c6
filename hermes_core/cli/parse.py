"""``hermes parse``: run a tool-call parser over a completion, to check a model's output by hand."""

from __future__ import annotations

import json
import sys

import click


@click.command()
@click.option(
    "--parser", "parser_name", required=True, help="Parser name or alias (see `hermes plugins list`)."
)
@click.argument("source", default="-")
@click.option("--json", "as_json", is_flag=True, help='One object: {"content": ..., "tool_calls": [...]}.')
def parse(parser_name: str, source: str, as_json: bool) -> None:
    """Parse the completion in SOURCE (a file, or - for stdin) into content and tool calls."""
    from hermes_core.plugins import get_hermes
    from hermes_core.registry import HermesError

    parser = get_hermes().parser(parser_name)
    if source == "-":
        text = sys.stdin.read()
    else:
        try:
            with open(source, encoding="utf-8") as handle:
                text = handle.read()
        except OSError as exc:
            raise HermesError(f"cannot read {source}: {exc.strerror}") from None
    parsed = parser.parse(text)
    if as_json:
        click.echo(json.dumps(parsed.model_dump(), ensure_ascii=False, indent=2))
        return
    click.echo(f"content: {parsed.content!r}")
    for call in parsed.tool_calls:
        click.echo(f"call {call.id}: {call.function.name}({call.function.arguments})")
