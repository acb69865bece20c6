"""Where settings live: ``config.yaml`` and ``.env`` in ``~/.hermes`` (``HERMES_HOME`` moves both), and the
environment. Reading is cached by file stamp; PyYAML is optional and imported only when a
``config.yaml`` exists (``pip install 'hermes-kernel[yaml]'``)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from hermes_core.registry import HermesError

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


def _disabled_cache() -> Path:
    return hermes_home() / ".cache" / "disabled-plugins.json"


def _write_yaml(data: dict[str, Any]) -> None:
    yaml = _yaml()
    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(yaml.safe_dump(data, sort_keys=False, default_flow_style=False), encoding="utf-8")
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
