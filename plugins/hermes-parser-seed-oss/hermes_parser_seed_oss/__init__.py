"""hermes plugin: the Seed-OSS tool-call parser (``seed_oss``)."""

from __future__ import annotations

from hermes_core import hookimpl


@hookimpl
def register_tool_call_parsers(register):
    from hermes_parser_seed_oss.parser import SeedOssParser

    register(SeedOssParser)
