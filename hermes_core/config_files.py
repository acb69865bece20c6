"""Where settings live: ``config.yaml`` and ``.env`` in ``~/.hermes`` (``HERMES_HOME`` moves both), and the
environment. Reading is cached by file stamp; PyYAML is optional and imported only when a
``config.yaml`` exists (``pip install 'hermes-kernel[yaml]'``)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hermes_core.registry import HermesError

if TYPE_CHECKING:
    from hermes_core.settings import Setting

CONFIG_FILE = "config.yaml"
ENV_FILE = ".env"


def hermes_home() -> Path:
    """``$HERMES_HOME`` or ``~/.hermes``: config, secrets, chat history and saved trajectories."""
    return Path(os.environ.get("HERMES_HOME") or "~/.hermes").expanduser()


def config_path() -> Path:
    return hermes_home() / CONFIG_FILE


def env_path() -> Path:
    return hermes_home() / ENV_FILE


# -- reading the files -----------------------------------------------------------------------------------

_file_cache: dict[Path, tuple[tuple[int, int], Any]] = {}


def _cached(path: Path, parse) -> Any:
    """``parse(text)`` of ``path``, re-read only when the file changes; ``None`` when it does not exist."""
    try:
        stat = path.stat()
    except OSError:
        return None
    stamp = (stat.st_mtime_ns, stat.st_size)
    hit = _file_cache.get(path)
    if hit is not None and hit[0] == stamp:
        return hit[1]
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise HermesError(f"{path} is not UTF-8 text (byte {exc.start})") from None
    value = parse(text)
    _file_cache[path] = (stamp, value)
    return value


def _yaml() -> Any:
    try:
        import yaml
    except ImportError:
        raise HermesError(
            f"{config_path()} needs PyYAML, which is not installed: pip install 'hermes-kernel[yaml]'"
        ) from None
    return yaml


def _parse_yaml(text: str) -> dict[str, Any]:
    yaml = _yaml()

    try:
        data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:
        raise HermesError(f"{config_path()} is not valid YAML: {exc}".replace("\n", " ")) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise HermesError(f"{config_path()} must hold a mapping of settings, not {type(data).__name__}")
    return data


def read_file() -> dict[str, Any]:
    """``config.yaml`` as written (nested dict; empty when there is none)."""
    return _cached(config_path(), _parse_yaml) or {}


def read_env_file() -> dict[str, str]:
    """``.env`` as a dict (no export)."""

    def parse(text: str) -> dict[str, str]:
        import io

        from dotenv import dotenv_values

        return {k: v for k, v in dotenv_values(stream=io.StringIO(text)).items() if v is not None}

    return _cached(env_path(), parse) or {}


def apply_env_file() -> None:
    """Export ``.env`` into ``os.environ`` without overriding what is already set.

    Tools check their keys (``FIRECRAWL_API_KEY``) in the environment, as in hermes-agent, so the secrets
    file must be in effect before plugins are asked what is available.
    """
    for name, value in read_env_file().items():
        if name not in os.environ:
            os.environ[name] = value
            _exported_from_dotenv.add(name)


_exported_from_dotenv: set[str] = set()
"""Names :func:`apply_env_file` put into ``os.environ``: they rank as ``.env``, below the real environment."""


def from_environment(names: tuple[str, ...]) -> tuple[str, str] | None:
    """``(source, text)`` of the first of ``names`` set in the real environment, then in ``.env``."""
    for name in names:
        if name not in _exported_from_dotenv and os.environ.get(name, "") != "":
            return f"env {name}", os.environ[name]
    if env_path().exists():
        dotenv = read_env_file()
        for name in names:
            if dotenv.get(name, "") != "":
                return f".env {name}", dotenv[name]
    return None


def value_of(declared: Setting) -> tuple[Any, str]:
    """``(value, source)`` of a declared setting: environment > ``.env`` > ``config.yaml`` > default."""
    given = from_environment(declared.env_names())
    if given is not None:
        source, text = given
        return declared.convert(text, source), source
    found, value = _dig(read_file(), declared.key)
    if found and value is not None:
        return declared.convert(value, str(config_path())), CONFIG_FILE
    return declared.convert(declared.default, "default"), "default"


def _dig(data: dict[str, Any], key: str) -> tuple[bool, Any]:
    node: Any = data
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return False, None
        node = node[part]
    return True, node


def _core_setting(key: str) -> Setting:
    from hermes_core.builtin import CORE_SETTINGS

    return next(s for s in CORE_SETTINGS if s.key == key)


def disabled_plugins() -> set[str]:
    """Plugins switched off with ``hermes plugins disable``; runs on every CLI start, so kept cheap.

    The environment (``HERMES_PLUGINS_DISABLED=a,b``) and ``.env`` come first, as for every setting.
    Parsing YAML costs ~10 ms of imports, so the answer is kept in a small JSON file stamped with
    config.yaml's mtime and size, and YAML is parsed only after the file changed (and only when it
    mentions ``disabled`` at all).
    """
    declared = _core_setting("plugins.disabled")
    given = from_environment(declared.env_names())
    if given is not None:
        return {str(name) for name in declared.parse_text(given[1])}
    path = config_path()
    try:
        stat = path.stat()
    except OSError:
        return set()
    import json

    stamp = [stat.st_mtime_ns, stat.st_size]
    cache = _disabled_cache()
    try:
        cached = json.loads(cache.read_text(encoding="utf-8"))
        if cached["stamp"] == stamp:
            return set(cached["disabled"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    try:
        text = path.read_text(encoding="utf-8")
        data = _parse_yaml(text) if "disabled" in text else {}
    except (OSError, HermesError):
        return set()
    plugins = data.get("plugins")
    listed = plugins.get("disabled") if isinstance(plugins, dict) else None
    disabled = sorted({str(name) for name in listed}) if isinstance(listed, list) else []
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_text(json.dumps({"stamp": stamp, "disabled": disabled}), encoding="utf-8")
    except OSError:
        pass
    return set(disabled)


def _disabled_cache() -> Path:
    return hermes_home() / ".cache" / "disabled-plugins.json"


def _write_yaml(data: dict[str, Any]) -> None:
    yaml = _yaml()
    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    text = yaml.safe_dump(data, sort_keys=False, default_flow_style=False)
    # 0600 like .env: a base_url may carry a password (https://user:PASSWORD@host)
    with os.fdopen(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w", encoding="utf-8") as out:
        os.fchmod(out.fileno(), 0o600)  # a leftover .tmp keeps its old mode through O_TRUNC
        out.write(text)
    os.replace(tmp, path)
    _disabled_cache().unlink(missing_ok=True)  # mtimes can be coarse: never trust a stamp across our writes


def _set_env_file(name: str, value: str | None) -> None:
    from dotenv import set_key

    path = env_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.touch(mode=0o600)
    os.chmod(path, 0o600)
    set_key(str(path), name, value or "", quote_mode="never")
