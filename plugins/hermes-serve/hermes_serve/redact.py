"""What leaves the server (health, errors, logs, the banner, recordings) with every credential masked.

The masking itself is the core's :func:`hermes_core.secrets.mask_secrets` (URL user-info, known keys in
the environment and ``~/.hermes/.env``, key shapes); this module only knows which extra values are the
server's own secrets (``--api-key``, ``--upstream-api-key``) and applies the mask at each exit.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from hermes_core.secrets import mask_secrets, secret_values


class Redactor:
    """Masks text with the secrets known when the server started plus the server's own keys."""

    def __init__(self, own_secrets: Iterable[str | None] = ()) -> None:
        self.extra = [s for s in own_secrets if s]
        try:
            self.known = secret_values()
        except Exception:  # an unreadable ~/.hermes/.env must not stop the server; key shapes still apply
            self.known = set()

    @classmethod
    def for_config(cls, config: Any) -> Redactor:
        """The server's own secrets: ``--api-key``, ``--upstream-api-key``, and the upstream URL's
        password also as a bare word (an agent or a model may write it outside a URL)."""
        from urllib.parse import unquote, urlsplit

        password = urlsplit(config.upstream).password
        own = (password, unquote(password)) if password else ()
        return cls((config.api_key, config.upstream_api_key, *own))

    def __call__(self, text: str) -> str:
        return mask_secrets(text, extra=self.extra, known=self.known) if text else text


class MaskingFilter(logging.Filter):
    """A logging filter that masks a record's message and traceback before any handler formats it, with
    every server's redactor (one per process in use; tests start several)."""

    def __init__(self) -> None:
        super().__init__()
        self.redactors: list[Redactor] = []

    def redact(self, text: str) -> str:
        for redact in self.redactors:
            text = redact(text)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = self.redact(record.getMessage()), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = self.redact(logging.Formatter().formatException(record.exc_info))
        return True


_FILTER = MaskingFilter()


LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access", "hermes_serve")


def mask_logs(redact: Redactor) -> None:
    """Mask every record the server's loggers emit (uvicorn logs to its names directly)."""
    if redact not in _FILTER.redactors:
        _FILTER.redactors.append(redact)
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
