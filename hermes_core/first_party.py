"""This repository's distributions and what each provides.

They load before third-party plugins, so their names cannot be taken from them, and their steps are not
watched for changes to the core. What each provides lets a "not found" name what to install: a minimal
install (the core and one parser) meets ``hermes run``, ``--parser auto`` or the ``local`` backend without
the plugin that brings them, and the error then says ``pip install hermes-agent-loop`` instead of only
"unknown". It also lets the host run only the parser plugin that provides a name asked for, not every
parser hook (``Hermes._run_deferred``). ``PROVIDES`` is kept by hand; ``tests/test_first_party.py``
checks it against what the installed first-party plugins really register, so it cannot drift.
"""

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
        "hermes-envs-verifiers",
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

_PARSERS = "parsers"
_REASONING = "reasoning_parsers"

PROVIDES: dict[str, dict[str, tuple[str, ...]]] = {
    "hermes-agent-loop": {"commands": ("batch", "chat", "run")},
    "hermes-envs": {"commands": ("env",)},
    "hermes-serve": {"commands": ("serve",)},
    "hermes-env-harbor": {"commands": ("tasks",), "environments": ("harbor",)},
    "hermes-env-gsm8k": {"environments": ("gsm8k",), "tools": ("python",), "toolsets": ("gsm8k",)},
    "hermes-env-terminal-tasks": {"environments": ("terminal_tasks",)},
    "hermes-tools-terminal": {
        "backends": ("local",),
        "tools": ("patch", "read_file", "search_files", "terminal", "write_file"),
        "toolsets": ("file", "terminal"),
    },
    "hermes-tools-web": {"tools": ("web_extract", "web_search"), "toolsets": ("search", "web")},
    "hermes-backend-docker": {"backends": ("docker",)},
    "hermes-backend-modal": {"backends": ("modal",)},
    "hermes-backend-nomad": {"backends": ("nomad",)},
    "hermes-backend-singularity": {"backends": ("singularity", "apptainer")},
    "hermes-backend-ssh": {"backends": ("ssh",)},
    "hermes-parsers": {_PARSERS: ("auto", "detect", "hermes", "hermes2_pro")},
    "hermes-reasoning-parsers": {
        _REASONING: (
            "cohere_command3",
            "cohere_command4",
            "deepseek_r1",
            "step5",
            "deepseek_v3",
            "deepseek_v4",
            "deepseek_v41",
            "ernie45",
            "gemma4",
            "glm45",
            "glm47",
            "ling3",
            "granite",
            "granite_thinking_parser",
            "hf",
            "beam",
            "holo2",
            "hunyuan_a13b",
            "hy_v3",
            "hy_v4",
            "inkling",
            "k2_horizon",
            "kimi_k2",
            "kimi_k3",
            "mimo",
            "minicpmv",
            "minimax_m2",
            "minimax_m2_append_think",
            "minimax_m3",
            "mistral",
            "muse",
            "musespark",
            "muse_glimmer",
            "nemotron_v3",
            "olmo3",
            "openai_gptoss",
            "gpt_oss",
            "plamo3",
            "poolside_v1",
            "qwen3",
            "ripple",
            "seed_oss",
            "step3",
            "step3p5",
            "zaya",
        )
    },
    # parser families: canonical names, then aliases
    "hermes-parser-apertus": {_PARSERS: ("apertus",)},
    "hermes-parser-cohere": {_PARSERS: ("cohere_command3", "command_a", "cohere_command4", "cohere")},
    "hermes-parser-deepseek": {
        _PARSERS: (
            "deepseek_v3",
            "deepseek_v32",
            "deepseek_v3_2",
            "deepseek-v3.2",
            "deepseek_v3_1",
            "deepseek_v31",
            "deepseek_v4",
            "deepseek-v4",
        )
    },
    "hermes-parser-dots": {_PARSERS: ("dots",)},
    "hermes-parser-ernie": {_PARSERS: ("ernie45", "ernie4_5", "ernie")},
    "hermes-parser-gemma": {_PARSERS: ("functiongemma", "function_gemma", "gemma4", "gemma_4")},
    "hermes-parser-gigachat": {_PARSERS: ("gigachat3", "gigachat")},
    "hermes-parser-glm": {_PARSERS: ("glm45", "glm4_moe", "glm47", "ling3")},
    "hermes-parser-granite": {
        _PARSERS: ("granite", "granite3", "granite-20b-fc", "granite_20b_fc", "granite4", "granite_4")
    },
    "hermes-parser-hunyuan": {
        _PARSERS: (
            "hunyuan_a13b",
            "hunyuan",
            "hunyuan-a13b",
            "hy_v3",
            "hunyuan_v3",
            "hy-v3",
            "hy_v4",
            "hunyuan_v4",
            "hy-v4",
        )
    },
    "hermes-parser-inkling": {_PARSERS: ("inkling",)},
    "hermes-parser-internlm": {_PARSERS: ("internlm", "internlm2")},
    "hermes-parser-jamba": {_PARSERS: ("jamba",)},
    "hermes-parser-kimi": {_PARSERS: ("kimi_k2", "kimi_k3", "kimi-k3")},
    "hermes-parser-lfm2": {_PARSERS: ("lfm2", "lfm2_5", "liquid")},
    "hermes-parser-llama": {_PARSERS: ("llama3_json", "llama4_json", "llama4_pythonic")},
    "hermes-parser-longcat": {_PARSERS: ("longcat", "longcat_flash")},
    "hermes-parser-minicpm": {_PARSERS: ("minicpm5", "minicpm5_xml")},
    "hermes-parser-minimax": {
        _PARSERS: (
            "minimax",
            "minimax_m1",
            "minimax-m1",
            "minimax_m2",
            "minimax-m2",
            "minimax_m2_1",
            "minimax-m2.1",
            "minimax_m3",
            "minimax-m3",
        )
    },
    "hermes-parser-mistral": {_PARSERS: ("mistral",)},
    "hermes-parser-muse": {_PARSERS: ("muse_glimmer",)},
    "hermes-parser-olmo": {_PARSERS: ("olmo3", "olmo_3")},
    "hermes-parser-openai": {_PARSERS: ("openai", "gpt_oss", "gpt-oss", "harmony")},
    "hermes-parser-phi": {_PARSERS: ("phi4_mini_json", "phi4_mini", "phi4mini")},
    "hermes-parser-poolside": {_PARSERS: ("poolside_v1", "poolside")},
    "hermes-parser-pythonic": {_PARSERS: ("pythonic",)},
    "hermes-parser-qwen": {
        _PARSERS: ("qwen", "qwen2_5", "qwen3", "qwen3_coder", "qwen3_xml", "mimo", "mimo_v2")
    },
    "hermes-parser-seed-oss": {_PARSERS: ("seed_oss", "seed-oss", "seed_oss_36b")},
    "hermes-parser-solar": {_PARSERS: ("solar_open2", "solar")},
    "hermes-parser-step": {_PARSERS: ("step3", "step-3", "step3p5", "step3.5", "step-3.5", "stepfun")},
    "hermes-parser-xlam": {_PARSERS: ("xlam", "xlam2")},
}
"""distribution -> {kind (as ``hermes plugins list --json`` names it): names it registers}."""


def provider(kind: str, name: str) -> str | None:
    """The first-party distribution that registers ``name`` as a ``kind``, if one does."""
    for distribution, provided in PROVIDES.items():
        if name in provided.get(kind, ()):
            return distribution
    return None


def install_hint(kind: str, name: str, records: dict | None = None) -> str:
    """What to do about a missing ``name``: ``"it comes with hermes-agent-loop: pip install
    hermes-agent-loop"``, or how to enable it when ``records`` (the host's plugin records) show its
    distribution installed but disabled or failed; ``""`` when no first-party distribution provides it."""
    distribution = provider(kind, name)
    record = (records or {}).get(distribution)
    if distribution is None:
        return ""
    if record is not None and record.status == "disabled":
        return f"it comes with {distribution}, which is disabled: hermes plugins enable {distribution}"
    if record is not None and record.status != "ok":
        return f"it comes with {distribution}, which did not load: hermes plugins list shows why"
    return f"it comes with {distribution}: pip install {distribution}"
