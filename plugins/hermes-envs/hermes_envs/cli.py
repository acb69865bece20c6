"""``hermes env``: list the installed RL environments, run one through atroposlib's own CLI, or serve one
to OpenEnv clients. Nothing here imports a trainer until a command runs (``hermes env --help`` is quick).

``hermes env run NAME MODE [flags]`` hands ``MODE`` and every flag after it to the environment class's
``cli()`` unchanged, so atroposlib's documentation (``--env.*``, ``--openai.*``, ``--config x.yaml``)
applies as is: ``hermes env run gsm8k process --help`` lists them all.
"""

from __future__ import annotations

import json
import os
import socket
import sys

import click

from hermes_core.registry import HermesError

MODES = ("process", "serve", "evaluate")


@click.group()
def env() -> None:
    """RL environments: list them, run one under atroposlib, serve one to OpenEnv clients."""


@env.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON list, for scripts.")
def list_envs(as_json: bool) -> None:
    """Installed environments and the plugin that provides each (nothing heavy is imported)."""
    from hermes_core.plugins import get_hermes

    rows = [
        {"name": e.name, "plugin": e.plugin, "description": e.metadata.get("description", "")}
        for e in get_hermes().environments.entries()
    ]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        click.echo("no environments installed (try: pip install hermes-env-gsm8k)")
        return
    width = max(len(r["name"]) for r in rows)
    for row in rows:
        click.echo(f"{row['name']:<{width}}  {row['description']}  [{row['plugin']}]".rstrip())


@env.command(
    "run",
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True, "help_option_names": []},
)
@click.argument("name")
@click.argument("mode", required=False)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
@click.pass_context
def run(ctx: click.Context, name: str, mode: str | None, args: tuple[str, ...]) -> None:
    """Run environment NAME in MODE (process, serve or evaluate); the remaining flags go to atroposlib.

    \b
    hermes env run gsm8k process --env.total_steps 8 --openai.base_url http://localhost:9001/v1
    hermes env run gsm8k serve --env.rollout_server_url http://localhost:8000
    hermes env run gsm8k process --help      # every --env.* / --openai.* flag
    """
    if name in ("-h", "--help"):
        click.echo(ctx.get_help())
        return
    if mode not in MODES:
        raise click.UsageError(
            f"MODE must be one of {', '.join(MODES)}" + (f", not {mode!r}" if mode else "")
        )
    env_class = load_env_class(name)
    check_tokenizer_reachable(env_class, list(args))
    # atroposlib reads its flags from sys.argv, one value per flag
    sys.argv = [f"hermes env run {name}", mode, *join_list_flags(env_class, list(args))]
    env_class.cli()


def check_tokenizer_reachable(env_class: type, args: list[str]) -> None:
    """atroposlib loads its tokenizer by name from the Hugging Face hub: offline, that is about a minute of
    retries ending in a generic error. Fail at once instead, saying which flag takes a local folder."""
    if "--help" in args or "-h" in args:
        return
    flag = "--env.tokenizer_name"
    given = [a.split("=", 1)[1] for a in args if a.startswith(flag + "=")]
    given += [args[i + 1] for i, a in enumerate(args[:-1]) if a == flag]
    try:
        tokenizer = given[-1] if given else env_class.config_init()[0].tokenizer_name
    except Exception:  # an environment without a config of this shape: atroposlib will say what is wrong
        return
    if not tokenizer or os.path.isdir(os.path.expanduser(tokenizer)) or _in_hub_cache(tokenizer):
        return
    offline = os.environ.get("HF_HUB_OFFLINE", "").lower() in ("1", "true", "yes")
    if not offline:
        try:
            socket.getaddrinfo("huggingface.co", 443)
        except OSError:
            offline = True
    if offline:
        raise HermesError(
            f"tokenizer {tokenizer!r} is not on this machine and the Hugging Face hub cannot be reached: "
            f"pass {flag} DIR (a folder holding its tokenizer files, as save_pretrained writes them)"
        )


def _in_hub_cache(repo: str) -> bool:
    try:
        from huggingface_hub import try_to_load_from_cache

        found = try_to_load_from_cache(repo, "tokenizer_config.json")
    except Exception:
        return False
    return isinstance(found, str)


@env.command("serve", context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.argument("name")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on.")
@click.option("--max-sessions", default=256, show_default=True, type=int, help="Concurrent sessions.")
@click.option(
    "--session-timeout",
    default=600.0,
    show_default=True,
    type=float,
    help="Idle seconds before a session ends.",
)
@click.option("--seed", default=0, show_default=True, type=int, help="Seed for the order of training rows.")
@click.pass_context
def serve(
    ctx: click.Context, name: str, host: str, port: int, max_sessions: int, session_timeout: float, seed: int
) -> None:
    """Serve environment NAME over OpenEnv's protocol (openenv-core's server): /health, /reset, /step, /ws.

    \b
    hermes env serve gsm8k --port 8000 --env.data_source /data/gsm8k
    Settings of the environment go as --env.KEY VALUE (or --env.KEY=VALUE).
    """
    from hermes_core.registry import HermesError
    from hermes_envs.contract import load_environment

    settings = env_settings(list(ctx.args))
    environment = load_environment(name, settings)
    try:
        from hermes_envs.openenv import serve as serve_openenv
    except ImportError as exc:
        raise HermesError(
            f"hermes env serve needs openenv-core ({exc}): pip install 'hermes-envs[openenv]'"
        ) from None
    click.echo(f"serving {name} on http://{host}:{port} (OpenEnv: /health, /reset, /step, /ws)", err=True)
    serve_openenv(
        environment,
        host=host,
        port=port,
        max_sessions=max_sessions,
        session_timeout=session_timeout,
        seed=seed,
    )


def env_settings(args: list[str]) -> dict[str, str]:
    """``--env.KEY VALUE`` / ``--env.KEY=VALUE`` pairs as a dict; anything else is a usage error."""
    settings: dict[str, str] = {}
    index = 0
    while index < len(args):
        flag = args[index]
        if not flag.startswith("--env."):
            raise click.UsageError(f"unexpected argument {flag!r}: settings go as --env.KEY VALUE")
        key, has_value, value = flag[len("--env.") :].partition("=")
        if not has_value:
            if index + 1 >= len(args):
                raise click.UsageError(f"{flag} needs a value")
            index += 1
            value = args[index]
        settings[key] = value
        index += 1
    return settings


def join_list_flags(env_class: type, args: list[str]) -> list[str]:
    """``--env.enabled_toolsets terminal file`` → ``--env.enabled_toolsets terminal,file``.

    argparse accepts several values for a list field, but atroposlib then re-reads ``sys.argv`` keeping
    only the first; hermes's env config splits the comma-joined form back into a list.
    """
    from hermes_envs.atropos_config import is_list_annotation

    config_class = getattr(env_class, "env_config_cls", None)
    fields = getattr(config_class, "model_fields", {})
    list_flags = {f"--env.{name}" for name, info in fields.items() if is_list_annotation(info.annotation)}
    out: list[str] = []
    index = 0
    while index < len(args):
        flag = args[index]
        out.append(flag)
        index += 1
        if flag in list_flags:
            values = []
            while index < len(args) and not args[index].startswith("-"):
                values.append(args[index])
                index += 1
            if values:
                out.append(",".join(values))
    return out


def load_env_class(name: str) -> type:
    """The atroposlib class for environment ``name``: a contract environment through the atroposlib
    adapter, or a class registered as an atroposlib ``BaseEnv`` itself; a one-line error otherwise."""
    from hermes_core.plugins import get_hermes
    from hermes_core.registry import HermesError
    from hermes_envs.contract import Environment

    entry = get_hermes().environments.entry(name)
    try:
        env_class = entry.load()
    except ImportError as exc:
        raise HermesError(
            f"environment {name!r} (plugin {entry.plugin}) could not be imported: {exc}"
        ) from exc
    if isinstance(env_class, type) and issubclass(env_class, Environment):
        try:
            from hermes_envs.atropos import atropos_env
        except ImportError as exc:
            raise HermesError(
                f"hermes env run needs atroposlib ({exc}): pip install 'hermes-envs[atropos]'"
            ) from None
        return atropos_env(env_class)
    if not callable(getattr(env_class, "cli", None)):
        raise HermesError(
            f"environment {name!r} from plugin {entry.plugin} is neither a hermes_envs.contract.Environment "
            "nor an atroposlib BaseEnv subclass"
        )
    return env_class
