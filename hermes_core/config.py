"""Settings: ``config.yaml`` for settings, ``.env`` for secrets, environment variables on top.

Both files live in ``~/.hermes`` (``HERMES_HOME`` moves it), as in hermes-agent. One precedence holds for
every command (``run``, ``batch``, ``chat``, ``doctor``, environments)::

    flags  >  environment variables  >  ~/.hermes/.env  >  config.yaml  >  defaults

Flags are applied by each command with :func:`resolve`; everything else is :func:`get_value`. Keys are
dotted (``model.base_url``) and validated by a pydantic model, built lazily: this module is imported on
every CLI start (:func:`disabled_plugins` runs before plugins load), so its top level imports nothing
heavier than ``os``. Secrets (``model.api_key``) are written to ``.env``, never to ``config.yaml``; they
are masked wherever hermes prints them, and :func:`mask_secrets` is what logs and trajectories go through.
"""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path
from typing import Any

from hermes_core.registry import HermesError

CONFIG_FILE = "config.yaml"
ENV_FILE = ".env"

# dotted key -> environment variables that set it, hermes-agent's names first. Every key also answers to
# HERMES_<KEY> (dots as underscores), e.g. HERMES_AGENT_MAX_TURNS.
ENV_ALIASES: dict[str, tuple[str, ...]] = {
    "model.name": ("HERMES_MODEL",),
    "model.base_url": ("OPENAI_BASE_URL",),
    "model.api_key": ("OPENAI_API_KEY",),
    "terminal.backend": ("TERMINAL_ENV",),
    "terminal.timeout": ("TERMINAL_TIMEOUT",),
    "terminal.cwd": ("TERMINAL_CWD",),
    "terminal.modal.mode": ("TERMINAL_MODAL_MODE",),
    "terminal.modal.pool_max": ("TERMINAL_MODAL_POOL_MAX",),
}

# Environment variables whose values are secrets wherever they turn up (logs, trajectories, chat output).
_SECRET_NAME = r"(API_KEY|APIKEY|_TOKEN|_SECRET|SECRET_KEY|PASSWORD|PASSWD|ACCESS_KEY|PRIVATE_KEY)$"
# Well-known key shapes, masked even when hermes was never told about them.
_SECRET_PATTERNS = (
    r"\bsk-[A-Za-z0-9_\-]{16,}|\b(?:ghp|gho|ghs|github_pat|hf|xox[abp])_[A-Za-z0-9_]{16,}"
    r"|(?<=Bearer )[A-Za-z0-9._~+/\-]{16,}=*"
)
_MIN_SECRET_LEN = 8  # shorter values ("true", "local") would mask ordinary words
_DEFAULT = object()


def hermes_home() -> Path:
    """``$HERMES_HOME`` or ``~/.hermes``: config, secrets, chat history and saved trajectories."""
    return Path(os.environ.get("HERMES_HOME") or "~/.hermes").expanduser()


def config_path() -> Path:
    return hermes_home() / CONFIG_FILE


def env_path() -> Path:
    return hermes_home() / ENV_FILE


# -- the schema (built on first use) ---------------------------------------------------------------------

_schema_lock = threading.Lock()
_schema: dict[str, Any] = {}


def settings_model() -> type:
    """The pydantic model of ``config.yaml`` (built lazily so that CLI start-up never pays for it)."""
    if "model" not in _schema:
        with _schema_lock:
            if "model" not in _schema:
                _schema["model"] = _build_schema()
    return _schema["model"]


def _build_schema() -> type:
    from typing import Literal

    from pydantic import BaseModel, ConfigDict, Field, SecretStr

    class _Section(BaseModel):
        model_config = ConfigDict(extra="forbid", validate_default=True)

    class ModelSettings(_Section):
        name: str | None = Field(None, description="Model name sent to the endpoint.")
        base_url: str | None = Field(
            None, description="OpenAI-compatible endpoint, e.g. http://host:8000/v1."
        )
        api_key: SecretStr | None = Field(None, description="Endpoint key (kept in .env).")
        tool_call_parser: str | None = Field(
            None, description="Parse tool calls from raw text with this parser (for servers that do not)."
        )
        temperature: float | None = Field(None, ge=0, description="Sampling temperature.")
        max_tokens: int | None = Field(None, ge=1, description="Completion token limit per turn.")

    class ModalSettings(_Section):
        mode: Literal["sandbox", "pool"] = Field(
            "sandbox", description="One sandbox per task, or a warm pool."
        )
        pool_max: int = Field(4, ge=1, description="Largest pool size in pool mode.")

    class TerminalSettings(_Section):
        backend: str = Field("local", description="Terminal backend (installed plugins provide them).")
        timeout: float = Field(180.0, gt=0, description="Seconds before a command is killed.")
        cwd: str | None = Field(None, description="Working directory inside the sandbox.")
        modal: ModalSettings = Field(default_factory=ModalSettings)

    class PluginSettings(_Section):
        disabled: list[str] = Field(default_factory=list, description="Plugins not to load.")

    class AgentSettings(_Section):
        max_turns: int = Field(30, ge=1, description="Model calls per task before giving up.")
        tool_timeout: float | None = Field(None, gt=0, description="Seconds a tool call may take.")
        max_context_tokens: int | None = Field(None, ge=1, description="Truncate tool output to fit this.")
        system_prompt: str | None = Field(None, description="System prompt for chat and run.")

    class HermesConfig(_Section):
        """Everything ``config.yaml`` may hold."""

        model: ModelSettings = Field(default_factory=ModelSettings)
        terminal: TerminalSettings = Field(default_factory=TerminalSettings)
        toolsets: list[str] = Field(default_factory=lambda: ["default"], description="Toolsets offered.")
        plugins: PluginSettings = Field(default_factory=PluginSettings)
        agent: AgentSettings = Field(default_factory=AgentSettings)

    return HermesConfig


def __getattr__(name: str) -> Any:  # ``from hermes_core.config import HermesConfig`` builds it on demand
    if name == "HermesConfig":
        return settings_model()
    raise AttributeError(name)


def settings_keys() -> dict[str, Any]:
    """Every leaf key, dotted, with its pydantic ``FieldInfo``."""
    if "keys" not in _schema:
        from pydantic import BaseModel

        found: dict[str, Any] = {}

        def walk(model: type, prefix: str) -> None:
            for name, info in model.model_fields.items():
                sub = info.annotation
                if isinstance(sub, type) and issubclass(sub, BaseModel):
                    walk(sub, f"{prefix}{name}.")
                else:
                    found[f"{prefix}{name}"] = info

        walk(settings_model(), "")
        _schema["keys"] = found
    return _schema["keys"]


def _sections() -> set[str]:
    return {k.rsplit(".", 1)[0] for k in settings_keys() if "." in k} | {
        ".".join(k.split(".")[:i]) for k in settings_keys() for i in range(1, k.count(".") + 1)
    }


def is_secret(key: str) -> bool:
    info = settings_keys().get(key)
    return info is not None and "SecretStr" in repr(info.annotation)


def _is_list(key: str) -> bool:
    info = settings_keys().get(key)
    return info is not None and getattr(info.annotation, "__origin__", None) is list


def env_names(key: str) -> tuple[str, ...]:
    """The environment variables that set ``key``, in the order they are consulted."""
    return (*ENV_ALIASES.get(key, ()), "HERMES_" + key.upper().replace(".", "_"))


def _check_key(key: str) -> None:
    if key in settings_keys() or key in _sections():
        return
    import difflib

    close = difflib.get_close_matches(key, list(settings_keys()), n=3)
    hint = f"; did you mean {' or '.join(close)}?" if close else f"; keys: {', '.join(settings_keys())}"
    raise HermesError(f"unknown config key {key!r}{hint}")


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


def _parse_yaml(text: str) -> dict[str, Any]:
    import yaml

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


def _from_environment(key: str) -> tuple[str, str] | None:
    """``(name, text)`` of the variable that sets ``key`` in the real environment, then in ``.env``."""
    for name in env_names(key):
        if name not in _exported_from_dotenv and os.environ.get(name, "") != "":
            return f"env {name}", os.environ[name]
    if env_path().exists():
        dotenv = read_env_file()
        for name in env_names(key):
            if dotenv.get(name, "") != "":
                return f".env {name}", dotenv[name]
    return None


def _disabled_cache() -> Path:
    return hermes_home() / ".cache" / "disabled-plugins.json"


def disabled_plugins() -> set[str]:
    """Plugins switched off with ``hermes plugins disable``; runs on every CLI start, so kept cheap.

    The environment (``HERMES_PLUGINS_DISABLED=a,b``) and ``.env`` come first, as for every setting.
    Parsing YAML costs ~10 ms of imports, so the answer is kept in a small JSON file stamped with
    config.yaml's mtime and size, and YAML is parsed only after the file changed (and only when it
    mentions ``disabled`` at all).
    """
    given = _from_environment("plugins.disabled")
    if given is not None:
        return {str(name) for name in parse_text("plugins.disabled", given[1])}
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


# -- resolving values ------------------------------------------------------------------------------------


def _dig(data: dict[str, Any], key: str) -> tuple[bool, Any]:
    node: Any = data
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return False, None
        node = node[part]
    return True, node


def _nest(key: str, value: Any) -> dict[str, Any]:
    for part in reversed(key.split(".")):
        value = {part: value}
    return value


def parse_text(key: str, text: str) -> Any:
    """A value typed on a command line or in an environment variable, before validation."""
    if _is_list(key):
        text = text.strip()
        if text.startswith("["):
            import json

            try:
                return json.loads(text)
            except ValueError:
                pass
            try:
                return _parse_yaml(f"v: {text}")["v"]
            except HermesError:
                raise HermesError(f"{key}: {text!r} is not a list (write a,b or [a, b])") from None
        return [item.strip() for item in text.split(",") if item.strip()]
    return text


def _validate(key: str, value: Any, source: str) -> Any:
    """``value`` for ``key`` checked and converted by the settings model; a one-line error otherwise.

    Only that key is validated, so one bad setting never breaks commands that do not use it.
    """
    from pydantic import ValidationError

    try:
        model = settings_model().model_validate({} if value is _DEFAULT else _nest(key, value))
    except ValidationError as exc:
        first = exc.errors()[0]
        raise HermesError(f"{key} = {value!r} ({source}): {first['msg']}") from None
    node: Any = model
    for part in key.split("."):
        node = getattr(node, part)
    return node


def _plain(value: Any) -> Any:
    """Pydantic values as plain Python (secrets revealed: callers mask what they print)."""
    from pydantic import BaseModel, SecretStr

    if isinstance(value, SecretStr):
        return value.get_secret_value()
    if isinstance(value, BaseModel):
        return {name: _plain(getattr(value, name)) for name in type(value).model_fields}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def lookup(key: str) -> tuple[Any, str]:
    """``(value, source)`` for a leaf key; source is ``env NAME``, ``.env NAME``, ``config.yaml`` or
    ``default``."""
    _check_key(key)
    if key not in settings_keys():
        raise HermesError(
            f"{key} is a section; use one of {', '.join(k for k in settings_keys() if k.startswith(key))}"
        )
    given = _from_environment(key)
    if given is not None:
        source, text = given
        return _plain(_validate(key, parse_text(key, text), source)), source
    found, value = _dig(read_file(), key)
    if found:
        return _plain(_validate(key, value, str(config_path()))), CONFIG_FILE
    return _plain(_validate(key, _DEFAULT, "default")), "default"


def get_value(key: str) -> Any | None:
    """The effective value of a dotted key (environment > .env > config.yaml > default).

    A section (``"terminal"``) gives a dict of its effective values. Secrets come back in the clear:
    whoever prints one masks it.
    """
    _check_key(key)
    if key in settings_keys():
        return lookup(key)[0]
    result: dict[str, Any] = {}
    for leaf in settings_keys():
        if leaf.startswith(key + "."):
            node = result
            parts = leaf[len(key) + 1 :].split(".")
            for part in parts[:-1]:
                node = node.setdefault(part, {})
            node[parts[-1]] = lookup(leaf)[0]
    return result


def resolve(key: str, flag_value: Any = None) -> Any:
    """A command's flag wins when given; otherwise :func:`get_value`."""
    if flag_value is not None and flag_value != () and flag_value != []:
        return flag_value
    return get_value(key)


def load_config() -> Any:
    """The effective settings as a validated :class:`HermesConfig` (unknown keys in the file ignored)."""
    effective: dict[str, Any] = {}
    for leaf in settings_keys():
        value, source = lookup(leaf)
        if source != "default":
            effective = _merge(effective, _nest(leaf, value))
    return settings_model().model_validate(effective)


def _merge(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    out = dict(a)
    for k, v in b.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


# -- validation against installed plugins ----------------------------------------------------------------


def _plugin_choices(key: str) -> tuple[str, Any] | None:
    """For keys whose valid values come from plugins: ``(kind, registry)``."""
    if key not in ("terminal.backend", "model.tool_call_parser", "toolsets"):
        return None
    from hermes_core.plugins import get_hermes

    host = get_hermes()
    return {
        "terminal.backend": ("terminal backend", host.backends),
        "model.tool_call_parser": ("tool-call parser", host.parsers),
        "toolsets": ("toolset", host.toolsets),
    }[key]


def check_installed(key: str, value: Any) -> None:
    """Refuse a backend, parser or toolset no installed plugin provides, naming the valid choices."""
    choices = _plugin_choices(key)
    if choices is None or value is None:
        return
    kind, registry = choices
    for item in value if isinstance(value, list) else [value]:
        if item not in registry:
            raise HermesError(
                f"{key}: unknown {kind} {item!r}; installed: {', '.join(registry.names()) or 'none'}"
            )


# -- writing ---------------------------------------------------------------------------------------------


def _write_yaml(data: dict[str, Any]) -> None:
    import yaml

    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(yaml.safe_dump(data, sort_keys=False, default_flow_style=False), encoding="utf-8")
    os.replace(tmp, path)
    _disabled_cache().unlink(missing_ok=True)  # mtimes can be coarse: never trust a stamp across our writes


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
    Backends, parsers and toolsets are checked against the installed plugins unless ``check_plugins``
    is false.
    """
    _check_key(key)
    if key not in settings_keys():
        raise HermesError(f"{key} is a section; set one of its keys")
    raw = parse_text(key, value) if isinstance(value, str) else value
    typed = _plain(_validate(key, raw, "new value"))
    if check_plugins:
        check_installed(key, typed)
    if is_secret(key):
        _set_env_file(env_names(key)[0], typed)
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
    _check_key(key)
    if is_secret(key):
        name = env_names(key)[0]
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


def _set_env_file(name: str, value: str | None) -> None:
    from dotenv import set_key

    path = env_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.touch(mode=0o600)
    os.chmod(path, 0o600)
    set_key(str(path), name, value or "", quote_mode="never")


def set_plugin_disabled(name: str, disabled: bool) -> bool:
    """Add ``name`` to (or remove it from) ``plugins.disabled``; ``False`` when nothing changed."""
    current = list(disabled_plugins())
    norm = _normalise(name)
    present = [n for n in current if _normalise(n) == norm]
    if disabled == bool(present):
        return False
    updated = [*current, name] if disabled else [n for n in current if _normalise(n) != norm]
    set_value("plugins.disabled", sorted(updated), check_plugins=False)
    return True


def _normalise(name: str) -> str:
    return name.strip().lower().replace("_", "-")


# -- checking the whole configuration --------------------------------------------------------------------


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
    from pydantic import ValidationError

    try:
        settings_model().model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            where = ".".join(str(p) for p in err["loc"])
            if err["type"] == "extra_forbidden":
                import difflib

                close = difflib.get_close_matches(where, list(settings_keys()), n=1)
                hint = f" (did you mean {close[0]}?)" if close else ""
                problems.append(f"{CONFIG_FILE}: unknown key {where}{hint}")
            else:
                problems.append(f"{CONFIG_FILE}: {where}: {err['msg']}")
    for key in settings_keys():
        if is_secret(key) and _dig(data, key)[0]:
            problems.append(
                f"{CONFIG_FILE}: {key} is a secret; keep it in {env_path()} as {env_names(key)[0]}"
            )
    for key in settings_keys():
        try:
            value, source = lookup(key)
        except HermesError as exc:
            if "(" + str(config_path()) not in str(exc):  # file errors were reported above
                problems.append(str(exc))
            continue
        if plugins:
            try:
                check_installed(key, value)
            except HermesError as exc:
                problems.append(f"{exc} (from {source})")
    return problems


# -- secrets ---------------------------------------------------------------------------------------------


def mask(value: str | None) -> str:
    """A secret as it may be shown: enough to recognise it, not to use it."""
    if not value:
        return ""
    if len(value) < 16:
        return "****"
    return f"{value[:3]}...{value[-4:]}"


def secret_values() -> set[str]:
    """Every secret hermes knows of: secret settings and secret-looking variables in env and ``.env``."""
    found: set[str] = set()
    try:
        dotenv = read_env_file()
    except Exception:
        dotenv = {}
    for source in (os.environ, dotenv):
        for name, value in source.items():
            if value and len(value) >= _MIN_SECRET_LEN and re.search(_SECRET_NAME, name.upper()):
                found.add(value)
    try:
        for key in settings_keys():
            if is_secret(key):
                value = lookup(key)[0]
                if value and len(value) >= _MIN_SECRET_LEN:
                    found.add(value)
    except Exception:
        pass
    return found


def mask_secrets(text: str, extra: tuple[str, ...] | list[str] = (), known: set[str] | None = None) -> str:
    """``text`` with every known secret (and anything shaped like an API key) masked.

    For logs, trajectories and anything else that leaves the process; ``extra`` adds values to hide;
    ``known`` is a :func:`secret_values` result computed once by a caller that masks many texts.
    """
    if not text:
        return text
    secrets = (secret_values() if known is None else known) | {
        v for v in extra if v and len(v) >= _MIN_SECRET_LEN
    }
    for secret in sorted(secrets, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, mask(secret))
    return re.sub(_SECRET_PATTERNS, lambda m: mask(m.group(0)), text)


__all__ = [
    "ENV_ALIASES",
    "apply_env_file",
    "check",
    "config_path",
    "disabled_plugins",
    "env_path",
    "get_value",
    "hermes_home",
    "settings_keys",
    "load_config",
    "lookup",
    "mask",
    "mask_secrets",
    "resolve",
    "set_plugin_disabled",
    "set_value",
    "settings_model",
    "unset_value",
]
