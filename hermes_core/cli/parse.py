"""``hermes parse``: run a tool-call parser over a completion, to check a model's output by hand.

The completion is read as bytes and decoded with ``surrogateescape``, so bytes that are not UTF-8 are
kept (and shown as ``\\udcXX`` escapes) instead of failing; output is built whole before it is written,
and JSON falls back to ASCII escapes when it holds lone surrogates, so nothing stops mid-output.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import click


@click.command()
@click.option(
    "--parser", "parser_name", required=True, help="Parser name or alias (see `hermes plugins list`)."
)
@click.argument("source", default="-")
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help='One object: {"parser": ..., "content": ..., "tool_calls": [...]} ("parser" names the format '
    "that matched, null when none).",
)
@click.option(
    "--tools",
    "tools_file",
    type=click.Path(dir_okay=False),
    help="A JSON list of OpenAI tool definitions: values are typed by their schemas, names checked.",
)
@click.option("--stream", is_flag=True, help="Feed the text in chunks; print one JSON line per delta.")
@click.option(
    "--chunk-size",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Characters per fed chunk with --stream.",
)
def parse(
    parser_name: str, source: str, as_json: bool, tools_file: str | None, stream: bool, chunk_size: int
) -> None:
    """Parse the completion in SOURCE (a file, or - for stdin) into content and tool calls."""
    from hermes_core.plugins import get_hermes

    tools = load_tools(tools_file) if tools_file else None
    parser = get_hermes().parser(parser_name, tools=tools)
    text = _read(source)
    if stream:
        incremental = parser.stream()
        lines = []
        for start in range(0, len(text), chunk_size):
            lines.extend(
                _json_line(d.model_dump()) for d in incremental.feed(text[start : start + chunk_size])
            )
        lines.extend(_json_line(d.model_dump()) for d in incremental.finish())
        _write("".join(lines))
        return
    matched, parsed = parser.resolve(text)
    if as_json:
        _write(_json_text({"parser": matched, **parsed.model_dump()}, indent=2) + "\n")
        return
    out = [f"parser: {matched}\n" if matched else "", f"content: {parsed.content!r}\n"]
    for call in parsed.tool_calls:
        out.append(f"call {call.id}: {call.function.name}({call.function.arguments})\n")
    _write("".join(out))


def load_tools(path: str) -> list[dict[str, Any]]:
    """The OpenAI tool definitions in ``path``, checked enough that parsing cannot trip on them."""
    from hermes_core.registry import HermesError

    try:
        with open(path, encoding="utf-8") as handle:
            tools = json.load(handle)
    except OSError as exc:
        raise HermesError(f"cannot read tools file {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise HermesError(f"tools file {path} is not UTF-8 text") from None
    except ValueError as exc:
        raise HermesError(f"tools file {path} is not valid JSON: {exc}") from None
    if isinstance(tools, dict) and isinstance(tools.get("tools"), list):
        tools = tools["tools"]  # a request body's "tools" field
    if not isinstance(tools, list):
        raise HermesError(f"tools file {path} must hold a JSON list of tool definitions")
    for index, tool in enumerate(tools):
        function = tool.get("function", tool) if isinstance(tool, dict) else None
        name = function.get("name") if isinstance(function, dict) else None
        if not isinstance(name, str) or not name:
            raise HermesError(
                f"tools file {path}: item {index} is not a tool definition "
                '(expected {"type": "function", "function": {"name": ..., "parameters": {...}}})'
            )
        parameters = function.get("parameters")
        if parameters is not None and not isinstance(parameters, dict):
            raise HermesError(f"tools file {path}: tool {name!r} has parameters that are not an object")
    return tools


def _read(source: str) -> str:
    from hermes_core.registry import HermesError

    if source == "-":
        buffer = getattr(sys.stdin, "buffer", None)
        if buffer is None:  # a text stream put in place of stdin (click's test runner, an embedding app)
            return sys.stdin.read()
        data = buffer.read()
    else:
        try:
            with open(source, "rb") as handle:
                data = handle.read()
        except OSError as exc:
            raise HermesError(f"cannot read {source}: {exc.strerror}") from None
    return data.decode("utf-8", "surrogateescape")


def _json_text(obj: Any, indent: int | None = None) -> str:
    text = json.dumps(obj, ensure_ascii=False, indent=indent)
    try:
        text.encode(sys.stdout.encoding or "utf-8")
    except UnicodeEncodeError:  # lone surrogates, or a terminal that cannot show it
        return json.dumps(obj, ensure_ascii=True, indent=indent)
    return text


def _json_line(obj: Any) -> str:
    return _json_text(obj) + "\n"


def _write(text: str) -> None:
    """All at once, escaping what the terminal's encoding cannot show (never a crash half-way)."""
    encoding = sys.stdout.encoding or "utf-8"
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        text = text.encode(encoding, "backslashreplace").decode(encoding)
    click.echo(text, nl=False)
