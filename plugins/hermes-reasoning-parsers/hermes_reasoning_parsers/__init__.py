"""hermes-reasoning-parsers: every vLLM 0.34 ``--reasoning-parser`` name, whole-text and streaming.

Registered lazily: the formats' module is imported when a parser is first asked for.
"""

from __future__ import annotations

from hermes_core import hookimpl

PARSERS: dict[str, tuple[str, tuple[str, ...]]] = {
    # name: (module:Class, aliases) -- vLLM's names; aliases are vLLM names that share a class
    "deepseek_r1": ("think_tags:DeepSeekR1", ("step5",)),
    "deepseek_v3": ("think_tags:DeepSeekV3", ()),
    "deepseek_v4": ("think_tags:DeepSeekV4", ("deepseek_v41",)),
    "poolside_v1": ("think_tags:PoolsideV1", ()),
    "holo2": ("think_tags:Holo2", ()),
    "qwen3": ("think_tags:Qwen3", ()),
    "nemotron_v3": ("think_tags:NemotronV3", ()),
    "granite_thinking_parser": ("think_tags:GraniteThinking", ()),
    "mimo": ("think_tags:MiMo", ()),
    "minicpmv": ("think_tags:MiniCPMV", ()),
    "step3p5": ("think_tags:Step3p5", ()),
    "seed_oss": ("think_tags:SeedOss", ()),
    "zaya": ("think_tags:Zaya", ()),
    "ripple": ("think_tags:Ripple", ()),
    "glm45": ("think_tags:Glm45", ("glm47", "ling3")),
    "kimi_k2": ("think_tags:KimiK2", ()),
    "minimax_m2": ("think_tags:MiniMaxM2", ()),
    "minimax_m2_append_think": ("think_tags:MiniMaxM2AppendThink", ()),
    "minimax_m3": ("think_tags:MiniMaxM3", ()),
    "step3": ("think_tags:Step3", ()),
    "ernie45": ("think_tags:Ernie45", ()),
    "olmo3": ("think_tags:Olmo3", ()),
    "hunyuan_a13b": ("think_tags:HunyuanA13B", ()),
    "hy_v3": ("think_tags:HyV3", ()),
    "hy_v4": ("think_tags:HyV4", ()),
    "k2_horizon": ("think_tags:K2Horizon", ()),
    "mistral": ("think_tags:Mistral", ()),
    "gemma4": ("think_tags:Gemma4", ()),
    "plamo3": ("think_tags:Plamo3", ()),
    "cohere_command3": ("think_tags:Cohere", ("cohere_command4",)),
    "hf": ("think_tags:ResponseTemplate", ("beam",)),
    "openai_gptoss": ("channels:GptOss", ("gpt_oss",)),
    "granite": ("channels:Granite", ()),
    "kimi_k3": ("channels:KimiK3", ()),
    "muse": ("channels:Muse", ("musespark", "muse_glimmer")),
    "inkling": ("channels:Inkling", ()),
}


@hookimpl
def register_reasoning_parsers(register):
    for name, (target, aliases) in PARSERS.items():
        register(f"{__name__}.{target}", name=name, aliases=aliases)
