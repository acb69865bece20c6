"""``hermes parse``: run a tool-call parser (and a reasoning parser) over a completion, to check a
model's output by hand.

The completion is read as bytes and decoded with ``surrogateescape``, so bytes that are not UTF-8 are
kept (and shown as ``\\udcXX`` escapes) instead of failing; output is built whole before it is written,
and JSON falls back to ASCII escapes when it holds lone surrogates, so nothing stops mid-output. Text is
shown as text (indented blocks), never as Python reprs.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import click

EXAMPLES = """\b
Examples:
  hermes parse completion.txt                      # auto-detect the tool-call format
  echo '<tool_call>{"name": "f", "arguments": {}}</tool_call>' | hermes parse --parser hermes
  hermes parse --parser qwen3_coder --tools tools.json --json out.txt
  hermes parse --reasoning-parser qwen3 --parser qwen3_coder out.txt
  hermes parse --stream --json --chunk-size 4 out.txt    # one JSON delta per line
"""


@click.command(epilog=EXAMPLES)
@click.option(
    "--parser",
    "parser_name",
    default="auto",
    show_default=True,
    help="Tool-call parser name or alias (see `hermes plugins list`); auto detects the format.",
)
@click.option(
    "--reasoning-parser",
    "reasoning_name",
    help="Split reasoning (<think>, analysis channel, [THINK], ...) from the answer first, as vLLM's "
    "--reasoning-parser does; the tool-call parser then reads the answer only.",
)
@click.argument("source", default="-")
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help='One object: {"parser": ..., "content": ..., "tool_calls": [...]} ("parser" names the format '
    'that matched, null when none; "reasoning_content" with --reasoning-parser). With --stream: one '
    "JSON delta per line.",
)
@click.option(
    "--tools",
    "tools_file",
    type=click.Path(dir_okay=False),
    help="A JSON list of OpenAI tool definitions: values are typed by their schemas, and a call to a "
    "tool the list does not define is an error (exit 1).",
)
@click.option("--stream", is_flag=True, help="Feed the text in chunks and show each delta as it comes.")
@click.option(
    "--chunk-size",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Characters per fed chunk with --stream.",
)
def parse(
    parser_name: str,
    reasoning_name: str | None,
    source: str,
    as_json: bool,
    tools_file: str | None,
    stream: bool,
    chunk_size: int,
) -> None:
    """Parse the completion in SOURCE (a file, or - for stdin) into reasoning, content and tool calls."""
    from hermes_core.plugins import get_hermes

    tools = load_tools(tools_file) if tools_file else None
    host = get_hermes()
    reasoning_parser = _reasoning_parser(host, reasoning_name) if reasoning_name else None
    parser = host.parser(parser_name, tools=tools)
    text = _read(source)
    if stream:
        result = _stream(text, parser, reasoning_parser, chunk_size, as_json)
        matched = parser_name
    else:
        from hermes_core.reasoning import ReasonedCompletion

        reasoning, answer = reasoning_parser.extract(text) if reasoning_parser else (None, text)
        matched, parsed = parser.resolve(answer or "")  # the tool-call parser reads the answer only
        content = parsed.content if answer is not None else None
        result = ReasonedCompletion(reasoning, content, list(parsed.tool_calls))
        if as_json:
            body = {"parser": matched, **result.model_dump()}
            if reasoning_parser is None:
                body.pop("reasoning_content")
            _write(_json_text(body, indent=2) + "\n")
        else:
            _write(_human(matched, result, reasoning_parser is not None))
    if tools is not None:
        _check_names(result.tool_calls, tools, tools_file)


def _reasoning_parser(host, name: str):
    return host.reasoning_parsers.get(name)()  # unknown: names what would provide it


def _stream(text, parser, reasoning_parser, chunk_size: int, as_json: bool):
    """Feed ``text`` in chunks; print each delta (a JSON line, or a labelled line) as it comes."""
    from hermes_core.reasoning import ReasonedStream

    incremental = ReasonedStream(reasoning_parser, parser)
    lines: list[str] = []
    show = _json_line if as_json else _delta_line
    for start in range(0, len(text), chunk_size):
        lines.extend(show(d.model_dump()) for d in incremental.feed(text[start : start + chunk_size]))
    lines.extend(show(d.model_dump()) for d in incremental.finish())
    _write("".join(lines))
    return incremental.result


def _delta_line(delta: dict[str, Any]) -> str:
    """One delta as ``label  "json string"`` lines: the text's exact pieces, whitespace visible."""
    out = []
    for key, label in (("reasoning_content", "reasoning"), ("content", "content")):
        if key in delta:
            out.append(f"{label:<10} {json.dumps(delta[key], ensure_ascii=False)}\n")
    for part in delta.get("tool_calls", ()):
        function = part.get("function", {})
        if "name" in function:
            out.append(f"call {part['index']:<5} {function['name']} ({part.get('id')})\n")
        if function.get("arguments"):
            out.append(f"args {part['index']:<5} {json.dumps(function['arguments'], ensure_ascii=False)}\n")
    return "".join(out)


def _human(matched: str | None, result, with_reasoning: bool) -> str:
    """The split as labelled, indented blocks."""
    out = [f"parser: {matched or 'none matched (no tool calls)'}\n"]
    if with_reasoning:
        out.append(_block("reasoning", result.reasoning))
    out.append(_block("content", result.content))
    for number, call in enumerate(result.tool_calls, 1):
        out.append(f"tool call {number}: {call.function.name} (id {call.id})\n")
        out.append(_indent(_pretty_arguments(call.function.arguments)))
    return "".join(out)


def _block(label: str, text: str | None) -> str:
    if text is None:
        return f"{label}: (none)\n"
    return f"{label}:\n" + _indent(text)


def _indent(text: str) -> str:
    return "".join(f"  {line}\n" for line in text.split("\n"))


def _pretty_arguments(arguments: str) -> str:
    try:
        return json.dumps(json.loads(arguments), ensure_ascii=False, indent=2)
    except ValueError:
        return arguments


def _check_names(calls, tools: list[dict[str, Any]], path: str | None) -> None:
    """A call to a tool ``--tools`` does not define: one clear error after the output (exit 1)."""
    from hermes_core.registry import HermesError

    defined = [t.get("function", t).get("name") for t in tools]
    unknown = [c.function.name for c in calls if c.function.name not in defined]
    if unknown:
        names = ", ".join(sorted(set(unknown)))
        raise HermesError(
            f"the completion calls {names}, which {path} does not define (defined: {', '.join(defined)})"
        )


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
        if _is_terminal(sys.stdin):
            click.echo(
                "Reading the completion from the terminal: paste it, then press Ctrl-D "
                "(or pass a FILE; see hermes parse --help).",
                err=True,
            )
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


def _is_terminal(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


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
