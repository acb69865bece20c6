"""hermes plugin: the Seed-OSS tool-call parser (``seed_oss``)."""

from __future__ import annotations

from hermes_core import hookimpl


@hookimpl
def register_tool_call_parsers(register):
    register(
        "hermes_parser_seed_oss.parser:SeedOssParser", name="seed_oss", aliases=("seed-oss", "seed_oss_36b")
    )
