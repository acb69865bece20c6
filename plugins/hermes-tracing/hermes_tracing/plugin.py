"""The entry point: span hooks when ``HERMES_TRACING`` asks for them, otherwise nothing at all.

The choice is made once, when hermes loads its plugins (after ``~/.hermes/.env`` is applied), so an
unconfigured install neither imports OpenTelemetry nor adds a hook call to any run.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from hermes_core.registry import HermesError

EXPORTERS = ("none", "console", "otlp", "global")
VARIABLE = "HERMES_TRACING"


def configured_exporter() -> str:
    value = (os.environ.get(VARIABLE) or "none").strip().lower()
    if value not in EXPORTERS:
        raise HermesError(f"{VARIABLE}={value!r} is not one of: {', '.join(EXPORTERS)}")
    return value


def tracer_provider(exporter: str) -> Any:
    """A tracer provider exporting to ``exporter``; ``global`` is the application's own."""
    from opentelemetry import trace

    if exporter == "global":
        return trace.get_tracer_provider()
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider

    provider = TracerProvider(resource=Resource.create({"service.name": "hermes"}))  # exported at exit
    if exporter == "console":
        from opentelemetry.sdk.trace.export import ConsoleSpanExporter, SimpleSpanProcessor

        provider.add_span_processor(SimpleSpanProcessor(ConsoleSpanExporter(out=sys.stderr)))
    else:
        try:
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        except ImportError:
            raise HermesError(
                f"{VARIABLE}=otlp needs the OTLP exporter: pip install 'hermes-tracing[otlp]'"
            ) from None
        from opentelemetry.sdk.trace.export import BatchSpanProcessor

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    return provider


class Disabled:
    """What hermes loads when tracing is off: no hooks."""


def _load() -> Any:
    exporter = configured_exporter()
    if exporter == "none":
        return Disabled()
    from hermes_tracing.spans import SpanHooks

    return SpanHooks(tracer_provider(exporter))


plugin = _load()
