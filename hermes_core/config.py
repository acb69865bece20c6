"""Configuration: ``config.yaml`` for settings, ``.env`` for secrets, environment variables on top.

Both files live in ``~/.hermes`` (``HERMES_HOME`` moves it), as in hermes-agent. One precedence holds for
every key (``run``, ``batch``, ``chat``, ``doctor``, environments, plugins)::

    flags  >  environment variables  >  ~/.hermes/.env  >  config.yaml  >  defaults

Keys are declared, by the core and by plugins, as :class:`hermes_core.settings.Setting` (type,
environment variables, default, secret or not); :func:`resolve` gives a key's effective value typed by
its declaration. This module is imported on every CLI start (:func:`disabled_plugins` runs before plugins
load), so its top level imports nothing heavier than ``os``; PyYAML is optional (``hermes-kernel[yaml]``)
and needed only when a ``config.yaml`` exists. Secrets are written to ``.env``, never to ``config.yaml``,
and masked wherever hermes prints them (:mod:`hermes_core.secrets`).
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from hermes_core.config_files import (
    CONFIG_FILE,
    _dig,
    _set_env_file,
    _write_yaml,
    apply_env_file,
    config_path,
    disabled_plugins,
    env_path,
    hermes_home,
    read_env_file,
    read_file,
    value_of,
)
from hermes_core.registry import HermesError
from hermes_core.secrets import mask, mask_secrets, secret_values
from hermes_core.settings import Setting, sections

# -- the declarations ------------------------------------------------------------------------------------

_core: dict[str, Setting] = {}


def core_settings() -> dict[str, Setting]:
    """The core's own keys, known without loading any plugin."""
    if not _core:
        from hermes_core.builtin import CORE_SETTINGS

        _core.update({s.key: s for s in CORE_SETTINGS})
    return _core


def settings_keys() -> dict[str, Setting]:
    """Every declared key (the core's, then each loaded plugin's) with its :class:`Setting`."""
    from hermes_core.plugins import get_hermes

    found = dict(core_settings())
    for entry in get_hermes().settings.entries():
        found.setdefault(entry.name, entry.load())
    return found


def setting(key: str) -> Setting:
    """The declaration of ``key``; an unknown key is an error naming the closest declared ones."""
    known = core_settings().get(key)
    if known is not None:
        return known
    declared = settings_keys()
    if key in declared:
        return declared[key]
    if key in sections(declared):
        keys = ", ".join(k for k in declared if k.startswith(key + "."))
        raise HermesError(f"{key} is a section; use one of {keys}")
    import difflib

    close = difflib.get_close_matches(key, list(declared), n=3)
    hint = f"; did you mean {' or '.join(close)}?" if close else ""
    raise HermesError(
        f"unknown config key {key!r}{hint} (hermes config keys lists them; a plugin's keys exist while it "
        "is installed and enabled)"
    )


def is_secret(key: str) -> bool:
    try:
        return setting(key).secret
    except HermesError:
        return False


def env_names(key: str) -> tuple[str, ...]:
    """The environment variables that set ``key``, in the order they are consulted."""
    return setting(key).env_names()


# -- resolving values ------------------------------------------------------------------------------------


def _nest(key: str, value: Any) -> dict[str, Any]:
    for part in reversed(key.split(".")):
        value = {part: value}
    return value


def parse_text(key: str, text: str) -> Any:
    """A value typed on a command line or in an environment variable, before validation."""
    return setting(key).parse_text(text)


def lookup(key: str) -> tuple[Any, str]:
    """``(value, source)`` for a key; source is ``env NAME``, ``.env NAME``, ``config.yaml`` or ``default``.

    Only that key is read and checked, so one bad setting never breaks commands that do not use it.
    """
    return value_of(setting(key))


def get_value(key: str) -> Any | None:
    """The effective value of a dotted key (environment > .env > config.yaml > default).

    A section (``"terminal"``) gives a dict of its effective values. Secrets come back in the clear:
    whoever prints one masks it.
    """
    if key in core_settings():
        return lookup(key)[0]
    declared = settings_keys()
    if key in declared or key not in sections(declared):
        return lookup(key)[0]
    result: dict[str, Any] = {}
    for leaf in declared:
        if leaf.startswith(key + "."):
            node = result
            parts = leaf[len(key) + 1 :].split(".")
            for part in parts[:-1]:
                node = node.setdefault(part, {})
            node[parts[-1]] = lookup(leaf)[0]
    return result


def resolve(key: str, flag_value: Any = None) -> Any:
    """The effective value of ``key`` typed by its declaration: a command's flag wins when given."""
    if flag_value is not None and flag_value != () and flag_value != []:
        return setting(key).convert(flag_value, "flag")
    return get_value(key)


def load_config() -> SimpleNamespace:
    """Every declared key's effective value as nested attributes (``load_config().agent.max_turns``)."""
    root = SimpleNamespace()
    for key in settings_keys():
        node = root
        *parents, leaf = key.split(".")
        for part in parents:
            if not hasattr(node, part):
                setattr(node, part, SimpleNamespace())
            node = getattr(node, part)
        setattr(node, leaf, lookup(key)[0])
    return root


# -- validation against installed plugins ----------------------------------------------------------------


def check_installed(key: str, value: Any) -> None:
    """Refuse a backend, parser or toolset (any ``registry=`` setting) that no installed plugin provides."""
    declared = setting(key)
    if declared.registry is None or value is None:
        return
    from hermes_core.plugins import get_hermes

    registry = get_hermes().registry(declared.registry)
    for item in value if isinstance(value, list) else [value]:
        if item not in registry:
            raise HermesError(f"{key}: {registry.unknown_message(item)}")  # what provides it, or a near name


# -- writing ---------------------------------------------------------------------------------------------


def _remove(data: dict[str, Any], key: str) -> bool:
    parts = key.split(".")
    node = data
    for part in parts[:-1]:
        node = node.get(part)
        if not isinstance(node, dict):
            return False
    if parts[-1] not in node:
        return False
    del node[parts[-1]]
    # drop sections emptied by the removal
    for depth in range(len(parts) - 1, 0, -1):
        found, section = _dig(data, ".".join(parts[:depth]))
        if found and section == {}:
            _remove(data, ".".join(parts[:depth]))
    return True


def set_value(key: str, value: Any, *, check_plugins: bool = True) -> Any:
    """Validate and persist ``key``; secrets go to ``.env``, the rest to ``config.yaml``.

    ``value`` may be text as typed (``"a,b"`` for a list) or a Python value. Returns the stored value.
    ``registry=`` settings (backends, parsers, toolsets) are checked against the installed plugins
    unless ``check_plugins`` is false.
    """
    declared = setting(key)
    typed = declared.convert(value, "new value")
    if check_plugins:
        check_installed(key, typed)
    if declared.secret:
        _set_env_file(declared.env_names()[0], typed)
        return typed
    data = _merge({}, read_file())
    node = data
    for part in key.split(".")[:-1]:
        if not isinstance(node.get(part), dict):
            node[part] = {}
        node = node[part]
    node[key.split(".")[-1]] = typed
    _write_yaml(data)
    return typed


def unset_value(key: str) -> bool:
    """Remove ``key`` from the file that holds it (back to the default); ``False`` if it was not set."""
    declared = setting(key)
    if declared.secret:
        name = declared.env_names()[0]
        if name not in read_env_file():
            return False
        from dotenv import unset_key

        unset_key(str(env_path()), name)
        return True
    data = _merge({}, read_file())
    if not _remove(data, key):
        return False
    _write_yaml(data)
    return True


def _merge(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    out = dict(a)
    for k, v in b.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def set_plugin_disabled(name: str, disabled: bool) -> bool:
    """Add ``name`` to (or remove it from) ``plugins.disabled``; ``False`` when nothing changed."""
    current = list(disabled_plugins())
    norm = _normalise(name)
    present = [n for n in current if _normalise(n) == norm]
    if disabled == bool(present):
        return False
    updated = [*current, name] if disabled else [n for n in current if _normalise(n) != norm]
    if updated:
        set_value("plugins.disabled", sorted(updated), check_plugins=False)
    else:  # no `plugins: {disabled: []}` left behind in config.yaml
        unset_value("plugins.disabled")
    return True


def _normalise(name: str) -> str:
    return name.strip().lower().replace("_", "-")


# -- checking the whole configuration --------------------------------------------------------------------


def _leaves(data: dict[str, Any], prefix: str = "") -> list[str]:
    out: list[str] = []
    for name, value in data.items():
        key = f"{prefix}{name}"
        out += _leaves(value, key + ".") if isinstance(value, dict) else [key]
    return out


def check(*, plugins: bool = True) -> list[str]:
    """Every problem with the configuration, one line each (empty when it is sound)."""
    problems: list[str] = []
    try:
        data = read_file()
    except HermesError as exc:
        return [str(exc)]
    try:
        read_env_file()
    except Exception as exc:
        problems.append(f"{env_path()}: {exc}")
    declared = settings_keys()
    for key in _leaves(data):
        if key not in declared:
            import difflib

            close = difflib.get_close_matches(key, list(declared), n=1)
            hint = f" (did you mean {close[0]}?)" if close else " (no installed plugin declares it)"
            problems.append(f"{CONFIG_FILE}: unknown key {key}{hint}")
        elif declared[key].secret:
            name = declared[key].env_names()[0]
            problems.append(f"{CONFIG_FILE}: {key} is a secret; keep it in {env_path()} as {name}")
    for key in declared:
        try:
            value, source = lookup(key)
        except HermesError as exc:
            problems.append(str(exc))
            continue
        if plugins:
            try:
                check_installed(key, value)
            except HermesError as exc:
                problems.append(f"{exc} (from {source})")
    return problems


__all__ = [
    "Setting",
    "apply_env_file",
    "check",
    "config_path",
    "core_settings",
    "disabled_plugins",
    "env_path",
    "get_value",
    "hermes_home",
    "load_config",
    "lookup",
    "mask",
    "mask_secrets",
    "resolve",
    "secret_values",
    "set_plugin_disabled",
    "set_value",
    "setting",
    "settings_keys",
    "unset_value",
]
