"""``hermes serve``: put the proxy in front of an OpenAI-compatible model server."""

from __future__ import annotations

from pathlib import Path

import click

from hermes_serve.config import DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_UPSTREAM_BYTES, ServeConfig


@click.command("serve")
@click.option(
    "--upstream", required=True, help="The model server's OpenAI base URL (http://127.0.0.1:8000/v1)."
)
@click.option("--parser", "parser_name", default="auto", show_default=True, help="Tool-call parser, or auto.")
@click.option(
    "--reasoning-parser",
    help="Split the model's thinking into reasoning_content (vLLM's names: qwen3, deepseek_r1, ...).",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Other than loopback needs --api-key.")
@click.option("--port", default=8080, show_default=True, type=int)
@click.option("--api-key", envvar="HERMES_SERVE_API_KEY", help="Clients must send Authorization: Bearer KEY.")
@click.option("--upstream-api-key", envvar="HERMES_SERVE_UPSTREAM_API_KEY", help="Sent to the upstream.")
@click.option(
    "--record",
    "record_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Record every exchange, one JSONL file per session (X-Session-Id header or user field).",
)
@click.option(
    "--upstream-mode",
    type=click.Choice(["chat", "completions"]),
    default="chat",
    show_default=True,
    help="completions: render the chat template here and record token ids and logprobs.",
)
@click.option("--tokenizer", help="Local tokenizer directory (needed by --upstream-mode completions).")
@click.option(
    "--max-body-mb",
    default=DEFAULT_MAX_BODY_BYTES / 2**20,
    show_default=True,
    type=float,
    help="Larger request bodies get 413.",
)
@click.option(
    "--upstream-timeout",
    default=600.0,
    show_default=True,
    type=float,
    help="Seconds to connect and between two bytes of the upstream's answer (504 past it).",
)
@click.option(
    "--default-max-tokens",
    default=4096,
    show_default=True,
    type=int,
    help="Completions mode: max_tokens when a request gives none (vLLM's /completions default is 16).",
)
@click.option(
    "--max-upstream-mb",
    default=DEFAULT_MAX_UPSTREAM_BYTES / 2**20,
    show_default=True,
    type=float,
    help="Larger upstream answers (streamed or not) end in 502.",
)
@click.option("--max-concurrent", default=512, show_default=True, type=int, help="More requests get 429.")
@click.option(
    "--max-bodies-mb",
    default=256.0,
    show_default=True,
    type=float,
    help="Request bodies held at once by all requests in flight; past it 429.",
)
@click.option(
    "--client-timeout",
    default=60.0,
    show_default=True,
    type=float,
    help="Seconds a client may take to send a request, or stall while reading a stream.",
)
@click.option(
    "--session-idle",
    "session_idle_s",
    default=900.0,
    show_default=True,
    type=float,
    help="Completions mode: seconds after which an unused session's tokens are forgotten.",
)
@click.option("--log-level", default="warning", show_default=True)
def serve(parser_name, record_dir, max_body_mb, max_upstream_mb, max_bodies_mb, log_level, **options):
    """An OpenAI-compatible endpoint in front of --upstream whose answers get real tool_calls.

    \b
    Examples:
      hermes serve --upstream http://127.0.0.1:8000/v1 --parser qwen3_coder --port 8080
      hermes serve --upstream http://127.0.0.1:8000/v1 --parser hermes --reasoning-parser qwen3 --record runs/
    """
    from hermes_core.plugins import get_hermes
    from hermes_core.registry import HermesError

    try:
        config = ServeConfig(
            parser=parser_name,
            record_dir=record_dir,
            max_body_bytes=int(max_body_mb * 2**20),
            max_upstream_bytes=int(max_upstream_mb * 2**20),
            max_body_bytes_in_flight=int(max_bodies_mb * 2**20),
            **options,
        )
        parser = get_hermes().parser(config.parser)
        if config.reasoning_parser:
            get_hermes().reasoning_parsers.get(config.reasoning_parser)  # an unknown name fails here
        if config.upstream_mode == "completions":
            from hermes_serve.tokens_mode import preflight

            preflight(config.tokenizer)
    except HermesError as exc:
        from hermes_core.secrets import mask_secrets

        own = [options.get("api_key"), options.get("upstream_api_key")]
        raise click.ClickException(mask_secrets(str(exc), extra=[k for k in own if k])) from None
    from hermes_serve.redact import Redactor
    from hermes_serve.server import make_server

    redact = Redactor.for_config(config)
    click.echo(
        f"hermes serve: http://{config.host}:{config.port}/v1 -> {redact(config.upstream)} "
        f"(parser {parser.name})",
        err=True,
    )
    make_server(config, parser, log_level, redact).run()
