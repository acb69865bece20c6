"""Declared settings: every configuration key, the core's and each plugin's, described once.

A plugin declares its settings through the ``register_settings`` hook::

    from hermes_core import hookimpl
    from hermes_core.settings import Setting

    @hookimpl
    def register_settings(register):
        register(Setting("terminal.modal.mode", env="TERMINAL_MODAL_MODE", default="sandbox",
                         choices=("sandbox", "pool"), help="One sandbox per task, or a warm pool."))
        register(Setting("terminal.modal.pool_max", int, env="TERMINAL_MODAL_POOL_MAX", default=4,
                         minimum=1, help="Largest pool size in pool mode."))
        register(Setting("modal.token_secret", env="MODAL_TOKEN_SECRET", secret=True))

and reads them with :func:`hermes_core.config.resolve`::

    from hermes_core.config import resolve
    mode = resolve("terminal.modal.mode")            # "sandbox", "pool" — already typed and checked
    pool_max = resolve("terminal.modal.pool_max")    # an int, never the text "abc"

One precedence holds for every key: ``flags > environment > ~/.hermes/.env > config.yaml > default``.
Every key answers to its ``env`` variable(s) and to ``HERMES_<KEY>`` (dots as underscores). A bad value
(``TERMINAL_MODAL_POOL_MAX=abc``) is a one-line :class:`~hermes_core.registry.HermesError` naming the
variable (or file) and the expected type, never a raw ``ValueError``. ``hermes config set KEY VALUE``
validates by the declaration (secrets go to ``.env``, the rest to ``config.yaml``) and ``hermes config
show`` lists every declared key with its value and where it came from, secrets masked. Secret values
are also known to :func:`hermes_core.secrets.mask_secrets`, so they never reach logs or trajectories.

Supported types: ``str``, ``int``, ``float``, ``bool`` (true/false/1/0/yes/no/on/off), ``list`` (a list
of strings: ``a,b`` or ``[a, b]``), or any callable that converts a string and raises ``ValueError``
on bad input. ``choices`` limits the values; ``minimum``/``maximum`` bound numbers (inclusive);
``check(value)`` may return an error text for anything else. ``registry`` names a host registry
(``"backends"``, ``"parsers"``, ``"toolsets"``, or a plugin-declared one) whose names are the valid
values, checked against the installed plugins by ``hermes config set`` and ``hermes config check``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hermes_core.registry import HermesError

_KEY = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$")
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")
_TYPE_WORDS = {str: "text", int: "an integer", float: "a number", bool: "true or false", list: "a list"}


@dataclass(frozen=True)
class Setting:
    """One configuration key: its type, environment variable(s), default, and whether it is secret."""

    key: str
    type: Any = str
    env: str | tuple[str, ...] | None = None
    default: Any = None
    secret: bool = False
    help: str = ""
    choices: tuple = ()
    minimum: float | None = None
    maximum: float | None = None
    check: Callable[[Any], str | None] | None = None
    registry: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.key, str) or not _KEY.match(self.key):
            raise HermesError(f"setting key {self.key!r} must be dotted lowercase names (a.b_c)")
        if self.secret and self.type is not str:
            raise HermesError(f"setting {self.key}: a secret must be of type str")
        object.__setattr__(self, "choices", tuple(self.choices))
        if isinstance(self.env, str):
            object.__setattr__(self, "env", (self.env,))
        if self.default is not None:
            self.convert(self.default, "default")  # a bad default is the declaring plugin's error

    @property
    def name(self) -> str:
        """Registries key items by ``name``."""
        return self.key

    def env_names(self) -> tuple[str, ...]:
        """The environment variables that set this key, in the order they are consulted."""
        fallback = "HERMES_" + self.key.upper().replace(".", "_")
        own = tuple(self.env or ())
        return own if fallback in own else (*own, fallback)

    def expected(self) -> str:
        if self.choices:
            return " or ".join(repr(c) for c in self.choices)
        return _TYPE_WORDS.get(self.type, getattr(self.type, "__name__", str(self.type)))

    def is_list(self) -> bool:
        return self.type in (list, tuple)

    def parse_text(self, text: str) -> Any:
        """A value typed on a command line or in an environment variable, before conversion."""
        if not self.is_list():
            return text
        text = text.strip()
        if text.startswith("["):
            import json

            try:
                return json.loads(text)
            except ValueError:
                pass
            inner = text[1:-1] if text.endswith("]") else None
            if inner is None or "[" in inner:
                raise HermesError(f"{self.key}: {text!r} is not a list (write a,b or [a, b])")
            text = inner
        return [item.strip().strip("'\"") for item in text.split(",") if item.strip()]

    def convert(self, value: Any, source: str) -> Any:
        """``value`` (text or a parsed YAML value) typed and checked; a one-line error naming ``source``."""
        if value is None:
            return None
        try:
            typed = self._typed(value)
        except (ValueError, TypeError):
            typed = _BAD
        if typed is _BAD:
            raise HermesError(f"{self.key} = {value!r} ({source}): expected {self.expected()}")
        problem = self._problem(typed)
        if problem:
            raise HermesError(f"{self.key} = {value!r} ({source}): {problem}")
        return typed

    def _typed(self, value: Any) -> Any:
        kind = self.type
        if self.is_list():
            if isinstance(value, str):
                value = self.parse_text(value)
            if not isinstance(value, list | tuple) or any(isinstance(v, dict | list) for v in value):
                return _BAD
            return [str(v) for v in value]
        if kind is bool:
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            return True if text in _TRUE else False if text in _FALSE else _BAD
        if isinstance(value, bool | dict | list):
            return _BAD
        if kind is int:
            if isinstance(value, float) and not value.is_integer():
                return _BAD
            return int(str(value).strip()) if isinstance(value, str) else int(value)
        if kind is float:
            number = float(value)
            return _BAD if number != number else number  # NaN compares false with every bound
        if kind is str:
            return value if isinstance(value, str) else str(value)
        return kind(value)

    def _problem(self, value: Any) -> str | None:
        if self.choices and value not in self.choices:
            return f"expected {self.expected()}"
        if self.minimum is not None and value < self.minimum:
            return f"must be at least {self.minimum:g}"
        if self.maximum is not None and value > self.maximum:
            return f"must be at most {self.maximum:g}"
        if self.check is not None:
            return self.check(value) or None
        return None


_BAD = object()


def positive(value: Any) -> str | None:
    """A ``check`` for numbers that must be greater than 0 (timeouts)."""
    return None if value > 0 else "must be greater than 0"


def sections(keys: list[str] | set[str] | dict[str, Any]) -> set[str]:
    """Every dotted prefix of ``keys`` (``terminal.modal.mode`` → ``terminal``, ``terminal.modal``)."""
    return {".".join(k.split(".")[:i]) for k in keys for i in range(1, k.count(".") + 1)}


__all__ = ["Setting", "positive", "sections"]


def check_setting_tree(keys: list[str], registry: Any) -> None:
    """A key may not also be a section (``a.b`` beside ``a.b.c``): config.yaml could not hold both."""
    known = set(registry.names()) | set(keys)
    for key in sorted(set(keys) & sections(known)):
        inside = next(k for k in sorted(known) if k.startswith(key + "."))
        owner = registry.entry(key).plugin if key in registry else "this plugin"
        raise HermesError(f"setting {key!r} (from {owner}) is also a section holding {inside!r}")
    for key in keys:
        for section in sections([key]) & set(registry.names()):
            owner = registry.entry(section).plugin
            raise HermesError(
                f"setting {key!r} is inside {section!r}, which plugin {owner!r} declares as a key"
            )
