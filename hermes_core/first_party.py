"""This repository's distributions: they load before third-party plugins, so their names cannot be
taken from them, and their steps are not watched for changes to the core."""

from __future__ import annotations

CORE_PLUGIN = "hermes-kernel"
_FIRST_PARTY_PARSERS = (
    "apertus",
    "cohere",
    "deepseek",
    "dots",
    "ernie",
    "gemma",
    "gigachat",
    "glm",
    "granite",
    "hunyuan",
    "inkling",
    "internlm",
    "jamba",
    "kimi",
    "lfm2",
    "llama",
    "longcat",
    "minicpm",
    "minimax",
    "mistral",
    "muse",
    "olmo",
    "openai",
    "phi",
    "poolside",
    "pythonic",
    "qwen",
    "seed-oss",
    "solar",
    "step",
    "xlam",
)
FIRST_PARTY = frozenset(
    {
        "hermes-agent-loop",
        "hermes-envs",
        "hermes-parsers",
        "hermes-parsers-all",
        "hermes-reasoning-parsers",
        "hermes-serve",
        "hermes-testkit",
        "hermes-tracing",
        "hermes-tools-terminal",
        "hermes-tools-web",
        *(f"hermes-backend-{b}" for b in ("docker", "modal", "nomad", "singularity", "ssh")),
        *(f"hermes-env-{e}" for e in ("gsm8k", "harbor", "terminal-tasks")),
        *(f"hermes-parser-{p}" for p in _FIRST_PARTY_PARSERS),
    }
)
"""Distributions of this repository: they load first, so their names cannot be taken from them."""
_TRUSTED = FIRST_PARTY | {CORE_PLUGIN}
"""Plugins whose steps are not watched for changes to the core (a snapshot costs ~0.1 ms a step)."""
