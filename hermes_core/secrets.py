"""Secrets never leave the process in clear: one masking function for every output path.

:func:`mask_secrets` hides, in any text about to be printed, logged or saved:

- the values of declared secret settings (``Setting(..., secret=True)``, e.g. ``model.api_key``), of
  secret-looking environment variables (``*_KEY``, ``*_TOKEN``, ``*_SECRET``, ``*_PASSWORD``,
  ``*_CREDENTIALS``, ...) and every value of ``~/.hermes/.env`` — also encoded the ways a command would
  get a key past a plain search (base64 at any alignment, hex, URL encoding, reversed, another case,
  split over lines, JSON-escaped, cut by an output limit; see :mod:`hermes_core.secret_forms`);
- credentials embedded in URLs whoever they belong to (``https://user:KEY@host``, ``?key=KEY``);
- well-known key shapes (``sk-...``, ``ghp_...``, ``hf_...``, ``Bearer ...``).

The mask keeps the first 3 and last 4 characters (letters, digits, ``-`` and ``_`` only, so the result is
still valid inside JSON) to let a user recognise which key it was.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable

from hermes_core.secret_forms import secret_matcher

_SECRET_NAME = re.compile(r"(_KEY|APIKEY|_TOKEN|_SECRET|PASSWORD|PASSWD|_CREDENTIAL|_CREDENTIALS|_PAT)$")
_MIN_SECRET_LEN = 8  # shorter values ("true", "local") would mask ordinary words
_KEY_SHAPES = re.compile(
    r"\bsk-[A-Za-z0-9_\-]{16,}|\b(?:ghp|gho|ghs|github_pat|hf|xox[abp])_[A-Za-z0-9_]{16,}"
    r"|(?<=Bearer )[A-Za-z0-9._~+/\-]{16,}=*"
)
_KEY_SHAPE_HINTS = ("sk-", "ghp_", "gho_", "ghs_", "github_pat_", "hf_", "xoxa_", "xoxb_", "xoxp_", "Bearer ")
# scheme://user:PASSWORD@host — the password part, up to the last @ before the host (it may hold @)
_URL_PASSWORD = re.compile(r"(?<=://)([^/\s:@\"']*):([^/\s\"']+?)(?=@[^@/\s\"'?#]*(?:[/\s\"'?#]|$))")
# ?key=VALUE, &api_key=VALUE, ... in query strings
_URL_QUERY_KEY = re.compile(
    r"(?i)([?&](?:key|api[_-]?key|apikey|token|access[_-]?token|auth|secret|password|sig|signature)=)"
    r"([^&\s#\"'<>]+)"
)
_SAFE_CHAR = re.compile(r"[^A-Za-z0-9_\-]")


def mask(value: str | None) -> str:
    """A secret as it may be shown: enough to recognise it, not to use it (and safe inside JSON)."""
    if not value:
        return ""
    if len(value) < 16:
        return "****"
    return f"{_SAFE_CHAR.sub('*', value[:3])}...{_SAFE_CHAR.sub('*', value[-4:])}"


def is_secret_name(name: str) -> bool:
    """Whether an environment variable's name says it holds a secret (``OPENAI_API_KEY``)."""
    return bool(_SECRET_NAME.search(name.upper()))


def secret_values() -> set[str]:
    """Every secret hermes knows of: secret settings, secret-looking variables of the environment, and
    every value in ``.env`` (the file for secrets) except those of settings declared non-secret
    (``HERMES_MODEL``, ``TERMINAL_ENV``: masking a model name would corrupt trajectories)."""
    from hermes_core import config_files

    found: set[str] = set()
    try:
        dotenv = config_files.read_env_file()
    except Exception:
        dotenv = {}
    declared = _declared_settings()
    plain = {name for s in declared if not s.secret for name in s.env_names()}
    for name, value in os.environ.items():
        if value and len(value) >= _MIN_SECRET_LEN and is_secret_name(name):
            found.add(value)
    for name, value in dotenv.items():
        if value and len(value) >= _MIN_SECRET_LEN and (name not in plain or is_secret_name(name)):
            found.add(value)
    for setting in (s for s in declared if s.secret):
        try:
            value = config_files.value_of(setting)[0]
        except Exception:
            continue
        if value and len(value) >= _MIN_SECRET_LEN:
            found.add(value)
    return found


def _declared_settings() -> list:
    """Settings of the core and of the plugins already loaded (never loads plugins for this)."""
    from hermes_core import plugins
    from hermes_core.builtin import CORE_SETTINGS

    declared = {s.key: s for s in CORE_SETTINGS}
    host = plugins.current_hermes()
    if host is not None:
        for entry in host.settings.entries():
            declared.setdefault(entry.name, entry.load())
    return list(declared.values())


def mask_secrets(text: str, extra: Iterable[str] = (), known: set[str] | None = None) -> str:
    """``text`` with every known secret (and its common encodings), URL credential and key-shaped token
    masked.

    For logs, trajectories and anything else that leaves the process; ``extra`` adds values to hide;
    ``known`` is a :func:`secret_values` result computed once by a caller that masks many texts.
    """
    if not text:
        return text
    secrets = (secret_values() if known is None else set(known)) | {
        v for v in extra if v and len(v) >= _MIN_SECRET_LEN
    }
    if secrets:
        text = secret_matcher(frozenset(secrets)).replace(text, mask)
    if "://" in text:  # the rules below cost a regex step per character: skip them when they cannot match
        text = _URL_PASSWORD.sub(lambda m: f"{m.group(1)}:{_mask_once(m.group(2))}", text)
    text = _URL_QUERY_KEY.sub(lambda m: m.group(1) + _mask_once(m.group(2)), text)
    if any(hint in text for hint in _KEY_SHAPE_HINTS):
        text = _KEY_SHAPES.sub(lambda m: _mask_once(m.group(0)), text)
    return text


def _mask_once(value: str) -> str:
    """Mask ``value`` unless it already is a mask (so masking twice changes nothing)."""
    return value if value == "****" or re.fullmatch(r"[\w*\-]{3}\.\.\.[\w*\-]{4}", value) else mask(value)


__all__ = ["is_secret_name", "mask", "mask_secrets", "secret_values"]
