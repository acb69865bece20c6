"""The ``hermes`` format: the class lives in the core (:class:`hermes_core.parsing_tags.HermesParser`),
shared by every family that writes it (``qwen``, ``ernie45``)."""

from __future__ import annotations

from hermes_core.parsing_tags import HermesParser

__all__ = ["HermesParser"]
