"""What leaves the server (health, errors, logs, the banner, recordings) with every credential masked.

The masking itself is the core's :func:`hermes_core.secrets.mask_secrets` (URL user-info, known keys in
the environment and ``~/.hermes/.env``, key shapes); this module only knows which extra values are the
server's own secrets (``--api-key``, ``--upstream-api-key``) and applies the mask at each exit.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from hermes_core.secrets import mask_secrets, secret_values


class Redactor:
    """Masks text with the secrets known when the server started plus the server's own keys."""

    def __init__(self, own_secrets: Iterable[str | None] = ()) -> None:
        self.extra = [s for s in own_secrets if s]
        try:
            self.known = secret_values()
        except Exception:  # an unreadable ~/.hermes/.env must not stop the server; key shapes still apply
            self.known = set()

    def __call__(self, text: str) -> str:
        return mask_secrets(text, extra=self.extra, known=self.known) if text else text


class MaskingFilter(logging.Filter):
    """A logging filter that masks a record's message and traceback before any handler formats it."""

    def __init__(self, redact: Redactor) -> None:
        super().__init__()
        self.redact = redact

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = self.redact(record.getMessage()), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = self.redact(logging.Formatter().formatException(record.exc_info))
        return True


def mask_logs(
    redact: Redactor, names: Iterable[str] = ("uvicorn", "uvicorn.error", "uvicorn.access")
) -> None:
    """Mask every record the server's loggers emit (uvicorn logs to these names directly)."""
    for name in (*names, "hermes_serve"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, MaskingFilter) for f in logger.filters):
            logger.addFilter(MaskingFilter(redact))
