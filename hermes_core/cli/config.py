"""``hermes config``: read and change settings without opening ``config.yaml`` by hand."""

from __future__ import annotations

import json
from typing import Any

import click

from hermes_core import config as cfg
from hermes_core.registry import HermesError


@click.group()
def config() -> None:
    """Show and change settings (config.yaml; secrets in .env; HERMES_HOME moves both)."""


def _shown(key: str, value: Any) -> Any:
    """A value as it may be printed: secret settings masked, credentials inside URLs masked too."""
    from hermes_core.secrets import mask_secrets

    if value and cfg.is_secret(key):
        return cfg.mask(value)
    if isinstance(value, str):
        return mask_secrets(value)
    if isinstance(value, list):
        return [mask_secrets(v) if isinstance(v, str) else v for v in value]
    return value


def _format(value: Any) -> str:
    """A value as ``config set`` takes it back: lists as ``a,b``, booleans as ``true``/``false``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(map(_format, value))
    return str(value)


def _rows() -> dict[str, tuple[Any, str]]:
    """Every declared key with ``(shown value, source)``; a bad value is shown as its error."""
    rows: dict[str, tuple[Any, str]] = {}
    for key in cfg.settings_keys():
        try:
            value, source = cfg.lookup(key)
        except HermesError as exc:
            rows[key] = (None, f"error: {_shown(key, str(exc))}")
            continue
        rows[key] = (_shown(key, value), source)
    return rows


@config.command("show")
@click.option("--json", "as_json", is_flag=True, help="One JSON object, for scripts.")
@click.option("--sources", is_flag=True, help="Also where each value comes from (with --json: flat).")
def show(as_json: bool, sources: bool) -> None:
    """Every declared setting with its effective value; secrets masked.

    \b
    Examples:
      hermes config show --sources
      hermes config show --json | jq .terminal
    """
    rows = _rows()
    if as_json and sources:
        click.echo(json.dumps({k: {"value": v, "source": s} for k, (v, s) in rows.items()}, indent=2))
        return
    if as_json:
        nested: dict[str, Any] = {}
        for key, (value, _) in rows.items():
            node = nested
            *parents, leaf = key.split(".")
            for part in parents:
                node = node.setdefault(part, {})
            node[leaf] = value
        click.echo(json.dumps(nested, indent=2))
        return
    width = max(map(len, rows), default=0)
    values = {key: _format(value) or "-" for key, (value, _) in rows.items()}
    if sources:  # the value last, so that a long one (a URL, a list) never pushes a column out of line
        source_width = max((len(source) for _, source in rows.values()), default=0)
        for key, (_, source) in rows.items():
            click.echo(f"{key:<{width}}  {source:<{source_width}}  {values[key]}")
        return
    for key, (_, source) in rows.items():
        line = f"{key:<{width}}  {values[key]}"
        click.echo(f"{line}  ({source})" if source.startswith("error:") else line)  # a bad value explained


@config.command("get")
@click.argument("key")
@click.option("--reveal", is_flag=True, help="Print a secret in the clear.")
@click.option("--source", "with_source", is_flag=True, help="Also say where the value comes from.")
def get(key: str, reveal: bool, with_source: bool) -> None:
    """The effective value of KEY (dotted, e.g. model.base_url); empty when unset.

    \b
    Examples:
      hermes config get model.base_url --source
      hermes config get terminal
    """
    if key not in cfg.settings_keys():
        value = cfg.get_value(key)  # a section, or an error naming the close keys
        click.echo(json.dumps(value, indent=2) if not _has_secret(key) else json.dumps(_mask_section(key)))
        return
    value, source = cfg.lookup(key)
    shown = value if reveal else _shown(key, value)
    click.echo(_format(shown) + (f"\t({source})" if with_source else ""))


def _has_secret(section: str) -> bool:
    return any(cfg.is_secret(k) for k in cfg.settings_keys() if k.startswith(section + "."))


def _mask_section(section: str) -> dict[str, Any]:
    return {
        k[len(section) + 1 :]: _shown(k, cfg.get_value(k))
        for k in cfg.settings_keys()
        if k.startswith(section + ".")
    }


@config.command("set")
@click.argument("key")
@click.argument("value")
@click.option("--no-check", is_flag=True, help="Do not check backends/parsers/toolsets against plugins.")
def set_(key: str, value: str, no_check: bool) -> None:
    """Set KEY to VALUE (lists as a,b,c). Secrets go to .env, the rest to config.yaml.

    \b
    Examples:
      hermes config set terminal.backend docker
      hermes config set toolsets terminal,file
      hermes config set model.api_key sk-...      # a secret: written to .env
    """
    stored = cfg.set_value(key, value, check_plugins=not no_check)
    where = cfg.env_path() if cfg.is_secret(key) else cfg.config_path()
    click.echo(f"{key} = {_format(_shown(key, stored))}  ({where})")
    _, source = cfg.lookup(key)
    if source.startswith("env ") or (source.startswith(".env ") and not cfg.is_secret(key)):
        click.echo(f"note: {source} overrides this setting", err=True)


@config.command("unset")
@click.argument("key")
def unset(key: str) -> None:
    """Remove KEY from config.yaml (or .env), back to its default.

    \b
    Example:
      hermes config unset terminal.backend
    """
    if not cfg.unset_value(key):
        raise HermesError(
            f"{key} is not set in {cfg.env_path() if cfg.is_secret(key) else cfg.config_path()}"
        )
    click.echo(f"{key} unset")


@config.command("path")
@click.option("--env", "env_file", is_flag=True, help="The secrets file instead.")
@click.option("--home", is_flag=True, help="The hermes home folder instead.")
def path(env_file: bool, home: bool) -> None:
    """Where config.yaml lives (HERMES_HOME moves it)."""
    click.echo(cfg.hermes_home() if home else cfg.env_path() if env_file else cfg.config_path())


@config.command("keys")
def list_keys() -> None:
    """Every setting with its environment variables and what it means."""
    for key, setting in cfg.settings_keys().items():
        secret = " (secret, kept in .env)" if setting.secret else ""
        click.echo(f"{key:<26} {setting.help}{secret}")
        detail = f"{setting.expected()}; env: {', '.join(setting.env_names())}"
        if setting.default not in (None, [], ""):
            detail += f"; default: {_format(setting.default)}"
        click.echo(f"{'':<26} {detail}")


@config.command("check")
@click.option("--no-plugins", is_flag=True, help="Skip checking names against installed plugins.")
def check(no_plugins: bool) -> None:
    """Validate config.yaml, .env and the environment; exit 1 listing every problem."""
    problems = cfg.check(plugins=not no_plugins)
    if not problems:
        click.echo(f"ok: {cfg.config_path()}" + ("" if cfg.config_path().exists() else " (not created yet)"))
        return
    for problem in problems:
        click.echo(f"problem: {problem}", err=True)
    raise SystemExit(1)
