"""``hermes plugins install|uninstall|enable|disable``: managing plugins without loading any.

A broken plugin is exactly when people need these, so nothing here imports a plugin: installed plugins
are read from entry-point metadata only, and pip runs as ``sys.executable -m pip`` so that it installs
into the environment hermes itself runs in (as ``llm install`` does).
"""

from __future__ import annotations

import subprocess
import sys
from importlib import metadata

import click

from hermes_core.registry import HermesError

GROUP = "hermes"
CORE = "hermes-kernel"


def _norm(name: str) -> str:
    return name.strip().lower().replace("_", "-")


def installed_plugins() -> dict[str, tuple[str, list[str]]]:
    """Distribution name → (version, entry-point names) for every plugin, from metadata alone."""
    import importlib

    importlib.invalidate_caches()
    found: dict[str, tuple[str, list[str]]] = {}
    for ep in metadata.entry_points(group=GROUP):
        dist = ep.dist.name if ep.dist else ep.name
        version = ep.dist.version if ep.dist else ""
        found.setdefault(dist, (version, []))[1].append(ep.name)
    return found


def _find(name: str) -> str | None:
    """The distribution a user means by ``name`` (its name or one of its entry-point names)."""
    wanted = _norm(name)
    for dist, (_, eps) in installed_plugins().items():
        if wanted == _norm(dist) or wanted in {_norm(e) for e in eps}:
            return dist
    return None


def _not_installed(name: str) -> HermesError:
    """ "no installed plugin named 'xlam'; did you mean hermes-parser-xlam?" — a plugin is often called by
    the last part of its name, so a distribution ending in ``-NAME`` is the first guess."""
    import difflib

    installed = sorted(installed_plugins())
    wanted = _norm(name)
    guesses = [d for d in installed if _norm(d).endswith("-" + wanted)]
    if not guesses:  # a typo: compare with the names and with their last parts ("qwn" ~ "qwen")
        short = {_norm(d).rsplit("-", 1)[-1]: d for d in installed}
        close = difflib.get_close_matches(wanted, [*short, *map(_norm, installed)], n=2)
        guesses = sorted({short.get(c, c) for c in close})
    if guesses:
        return HermesError(f"no installed plugin named {name!r}; did you mean {' or '.join(guesses)}?")
    from hermes_core.first_party import FIRST_PARTY

    if wanted in FIRST_PARTY:  # ours, just not installed here
        return HermesError(f"no installed plugin named {name!r}; install it: pip install {wanted}")
    return HermesError(f"no installed plugin named {name!r}; installed: {', '.join(installed) or 'none'}")


def _pip(*args: str) -> None:
    command = [sys.executable, "-m", "pip", "--disable-pip-version-check", *args]
    done = subprocess.run(command, check=False)
    if done.returncode != 0:
        raise HermesError(f"pip {args[0]} failed (exit {done.returncode})")


@click.command()
@click.argument("packages", nargs=-1, required=True)
@click.option("-U", "--upgrade", is_flag=True, help="Upgrade to the newest version.")
@click.option("-e", "--editable", is_flag=True, help="Install a local folder in editable mode.")
@click.option("--force-reinstall", is_flag=True, help="Reinstall even if it is up to date.")
@click.option("--no-cache-dir", is_flag=True, help="Do not use pip's cache.")
@click.option("--pre", is_flag=True, help="Allow pre-release versions.")
def install(packages, upgrade, editable, force_reinstall, no_cache_dir, pre) -> None:
    """Install plugins from PyPI, a wheel, or a folder, into hermes' own environment.

    \b
    Example:
      hermes plugins install hermes-parser-qwen
      hermes plugins install -e ./my-plugin
    """
    before = installed_plugins()
    args = ["install"]
    args += ["--upgrade"] * upgrade + ["--force-reinstall"] * force_reinstall
    args += ["--no-cache-dir"] * no_cache_dir + ["--pre"] * pre
    for package in packages:
        args += ["-e", package] if editable else [package]
    _pip(*args)
    after = installed_plugins()
    changed = {d: v for d, v in after.items() if before.get(d, (None,))[0] != v[0]}
    for dist, (version, eps) in sorted(changed.items()):
        click.echo(f"plugin {dist} {version} installed (entry points: {', '.join(sorted(eps))})")
    if not changed and not (upgrade or force_reinstall):
        click.echo(
            "note: no new hermes plugin appeared (already installed, or not a hermes plugin)", err=True
        )


@click.command()
@click.argument("names", nargs=-1, required=True)
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
def uninstall(names, yes) -> None:
    """Uninstall plugins from hermes' environment.

    \b
    Example:
      hermes plugins uninstall hermes-parser-qwen -y
    """
    if any(_norm(n) == CORE for n in names):
        raise HermesError("refusing to uninstall hermes-kernel: that is hermes itself (use pip directly)")
    dists = []
    for name in names:
        dist = _find(name)
        if dist is None:
            raise _not_installed(name)
        dists.append(dist)
    if not yes:
        click.confirm(f"Uninstall {', '.join(dists)}?", abort=True)
    _pip("uninstall", "-y", *dists)
    for dist in dists:
        click.echo(f"plugin {dist} uninstalled")


def _set(name: str, disabled: bool) -> None:
    from hermes_core import config

    if _norm(name) == CORE:
        raise HermesError("hermes-kernel is the host itself and cannot be disabled")
    dist = _find(name)
    listed = {_norm(n) for n in config.disabled_plugins()}
    if dist is None and (disabled or _norm(name) not in listed):  # enabling a stale entry is allowed
        raise _not_installed(name)
    target = dist or name
    changed = config.set_plugin_disabled(target, disabled)
    if not disabled and not changed and dist is not None and _norm(dist) != _norm(name):
        changed = config.set_plugin_disabled(name, False)  # disabled by its entry-point name
    state = "disabled" if disabled else "enabled"
    click.echo(f"plugin {target} {state}" if changed else f"plugin {target} was already {state}")
    import os

    env = {_norm(n) for n in os.environ.get("HERMES_DISABLE_PLUGINS", "").split(",") if n.strip()}
    if not disabled and _norm(target) in env:
        click.echo("note: HERMES_DISABLE_PLUGINS still disables it in this environment", err=True)


@click.command()
@click.argument("name")
def enable(name: str) -> None:
    """Load plugin NAME again (removes it from plugins.disabled in config.yaml).

    \b
    Example:
      hermes plugins enable hermes-parser-xlam
    """
    _set(name, disabled=False)


@click.command()
@click.argument("name")
def disable(name: str) -> None:
    """Stop loading plugin NAME without uninstalling it (plugins.disabled in config.yaml).

    \b
    Example:
      hermes plugins disable hermes-parser-xlam
    """
    _set(name, disabled=True)
