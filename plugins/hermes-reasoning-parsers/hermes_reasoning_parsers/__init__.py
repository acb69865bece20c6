"""hermes-reasoning-parsers: every vLLM 0.34 ``--reasoning-parser`` name, whole-text and streaming.

Each class carries its vLLM name and the vLLM names that share it (``name``, ``aliases``).
"""

from __future__ import annotations

from hermes_core import hookimpl


@hookimpl
def register_reasoning_parsers(register):
    from hermes_reasoning_parsers import channels, think_tags

    for parser in (
        think_tags.DeepSeekR1,
        think_tags.DeepSeekV3,
        think_tags.PoolsideV1,
        think_tags.Holo2,
        think_tags.DeepSeekV4,
        think_tags.Qwen3,
        think_tags.NemotronV3,
        think_tags.GraniteThinking,
        think_tags.MiMo,
        think_tags.MiniCPMV,
        think_tags.Step3p5,
        think_tags.SeedOss,
        think_tags.Zaya,
        think_tags.Ripple,
        think_tags.Glm45,
        think_tags.KimiK2,
        think_tags.MiniMaxM2,
        think_tags.MiniMaxM2AppendThink,
        think_tags.MiniMaxM3,
        think_tags.Step3,
        think_tags.Ernie45,
        think_tags.Olmo3,
        think_tags.HunyuanA13B,
        think_tags.HyV3,
        think_tags.HyV4,
        think_tags.K2Horizon,
        think_tags.Mistral,
        think_tags.Gemma4,
        think_tags.Plamo3,
        think_tags.Cohere,
        think_tags.ResponseTemplate,
        channels.GptOss,
        channels.Granite,
        channels.KimiK3,
        channels.Muse,
        channels.Inkling,
    ):
        register(parser)
