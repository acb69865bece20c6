"""hermes tracing: OpenTelemetry spans for each agent run, model call and tool call.

Set ``HERMES_TRACING`` (in the environment or ``~/.hermes/.env``) to turn it on:

- ``console``: spans printed as JSON on stderr (stdout stays the command's answer);
- ``otlp``: spans sent over OTLP/HTTP to ``OTEL_EXPORTER_OTLP_ENDPOINT``
  (``pip install 'hermes-tracing[otlp]'``);
- ``global``: spans go to the tracer provider the host application configured (a trainer's own setup).

Unset (or ``none``), the plugin implements no lifecycle hook at all, so an agent run pays nothing for it
being installed. Attributes follow the OpenTelemetry GenAI semantic conventions (``gen_ai.*``).
"""

from __future__ import annotations

from hermes_tracing.spans import SpanHooks

__all__ = ["SpanHooks"]
__version__ = "0.1.0"
