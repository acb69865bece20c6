"""Formats that wrap the reasoning in a pair of tags, declared as vLLM 0.34 declares them.

Each class names its vLLM ``--reasoning-parser`` and says where its declaration comes from
(``vllm/reasoning/*`` and the parser-engine grammars in ``vllm/parser/*``). The behaviour they share
(tags dropped, an unclosed turn that began in reasoning is all reasoning, a tool-call start ending the
reasoning implicitly) is :class:`hermes_core.reasoning_markers.MarkerReasoningParser`'s.
"""

from __future__ import annotations

from hermes_core.reasoning_markers import MarkerReasoningParser

QWEN_TOOL_START = "<tool_call>"


class DeepSeekR1(MarkerReasoningParser):
    """``<think>…</think>``, the template opens the block (``basic_parsers.BaseThinkingReasoningParser``)."""

    name = "deepseek_r1"
    aliases = ("step5",)


class DeepSeekV3(MarkerReasoningParser):
    """DeepSeek-V3.1: R1's split when thinking is asked for, else the whole turn is content."""

    name = "deepseek_v3"
    thinking_default = False
    plain_when_off = True


class PoolsideV1(DeepSeekV3):
    """Laguna: deepseek_v3's split (its difference is in prompt handling, which text parsing has not)."""

    name = "poolside_v1"


class Holo2(DeepSeekV3):
    """deepseek_v3 with thinking on by default (``DeepSeekV3ReasoningWithThinkingParser``)."""

    name = "holo2"
    thinking_default = True


class DeepSeekV4(MarkerReasoningParser):
    """DSML models (``vllm/parser/deepseek_v4.py``): a ``<｜DSML｜tool_calls>`` ends the reasoning."""

    name = "deepseek_v4"
    aliases = ("deepseek_v41",)
    implicit_ends = ("<｜DSML｜tool_calls>",)
    reopen = True
    strip_reasoning = True
    drop_space_before_start = False  # a parser-engine grammar: text before <think> is reasoning


class Qwen3(MarkerReasoningParser):
    """``vllm/parser/qwen3.py``: thinking on by default, ``<tool_call>`` ends the reasoning, trailing
    whitespace kept (``test_qwen3_reasoning_parser.py`` ``tool_call_no_think_end``)."""

    name = "qwen3"
    implicit_ends = (QWEN_TOOL_START,)
    drop_space_before_start = False  # a parser-engine grammar: text before <think> is reasoning


class NemotronV3(Qwen3):
    name = "nemotron_v3"


class GraniteThinking(Qwen3):
    """Granite 4 thinking models (``vllm/parser/granite_thinking.py``, a nemotron_v3 grammar)."""

    name = "granite_thinking_parser"


class MiMo(Qwen3):
    name = "mimo"


class MiniCPMV(Qwen3):
    name = "minicpmv"


class Step3p5(Qwen3):
    name = "step3p5"


class SeedOss(Qwen3):
    """``vllm/parser/seed_oss.py``: Qwen3's grammar with ``seed:`` tags."""

    name = "seed_oss"
    starts = ("<seed:think>",)
    ends = ("</seed:think>",)
    implicit_ends = ("<seed:tool_call>",)


class Zaya(Qwen3):
    name = "zaya"
    implicit_ends = ("<zyphra_tool_call>",)


class Ripple(MarkerReasoningParser):
    """``vllm/parser/ripple.py``: starts in content; ``<think>`` opens reasoning, ``<tool_call>`` ends it."""

    name = "ripple"
    thinking_default = False
    reopen = True
    implicit_ends = (QWEN_TOOL_START,)
    strip_reasoning = True


class Glm45(MarkerReasoningParser):
    """GLM-4.5/4.6/4.7 and Ling 3 (``vllm/parser/glm47_moe.py``, ``ling3.py``)."""

    name = "glm45"
    aliases = ("glm47", "ling3")
    implicit_ends = (QWEN_TOOL_START,)
    reopen = True
    strip_reasoning = True
    drop_space_before_start = False  # a parser-engine grammar: text before <think> is reasoning


class KimiK2(MarkerReasoningParser):
    """``vllm/parser/kimi_k2.py``: the tool-call section ends the reasoning."""

    name = "kimi_k2"
    implicit_ends = ("<|tool_calls_section_begin|>",)
    strip_reasoning = True
    drop_space_before_start = False  # a parser-engine grammar: text before <think> is reasoning


class MiniMaxM2(MarkerReasoningParser):
    """MiniMax-M2 never writes ``<think>`` (the template does): text before ``</think>`` is reasoning
    (``vllm/parser/minimax_m2.py``); ``<minimax:tool_call>`` ends it."""

    name = "minimax_m2"
    implicit_ends = ("<minimax:tool_call>",)
    strip_reasoning = True
    drop_space_before_start = False  # a parser-engine grammar: text before <think> is reasoning


class MiniMaxM2AppendThink(MarkerReasoningParser):
    """No split: the content gets back the ``<think>`` the template swallowed
    (``MiniMaxM2AppendThinkReasoningParser``)."""

    name = "minimax_m2_append_think"
    starts = ends = ()
    thinking_default = False
    content_prefix = "<think>"


class MiniMaxM3(MarkerReasoningParser):
    """``<mm:think>…</mm:think>``; reasoning only when the model opens it (thinking_mode not enabled by
    default in ``minimax_m3_reasoning_parser.py``)."""

    name = "minimax_m3"
    starts = ("<mm:think>",)
    ends = ("</mm:think>",)
    thinking_default = False
    reopen = True
    implicit_ends = ("]<]minimax[>[<tool_call>",)


class Step3(MarkerReasoningParser):
    """Step3: everything before ``</think>`` is reasoning, ``<think>`` is not special
    (``step3_reasoning_parser.py``)."""

    name = "step3"
    starts = ()


class Ernie45(MarkerReasoningParser):
    """ERNIE 4.5: R1's split, the answer's ``<response>…</response>`` wrapper dropped
    (``ernie45_reasoning_parser.py``)."""

    name = "ernie45"
    drop_in_content = ("<response>", "</response>")


class Olmo3(MarkerReasoningParser):
    """OLMo 3: whitespace on both sides kept (``test_olmo3_reasoning_parser.py``)."""

    name = "olmo3"


class HunyuanA13B(MarkerReasoningParser):
    """``<think>\\n…\\n</think>\\n<answer>\\n…\\n</answer>`` (``test_hunyuan_reasoning_parser.py``): a turn
    without tags is content."""

    name = "hunyuan_a13b"
    starts = ("<think>\n", "<think>")
    ends = ("\n</think>\n<answer>\n", "</think>\n<answer>\n", "\n</think>", "</think>")
    thinking_default = False
    reopen = True
    drop_in_content = ("\n</answer>", "</answer>", "<answer>\n", "<answer>")


class HyV3(MarkerReasoningParser):
    """Hunyuan HY v3: ``no_think`` unless a reasoning effort is asked for (``hy_v3_reasoning_parser.py``).
    Checkpoints whose tags carry a suffix (``<think:6124c78e>``) are not read."""

    name = "hy_v3"
    thinking_default = False
    plain_when_off = True


class HyV4(MarkerReasoningParser):
    """Hunyuan HY v4 (``hy_v4_reasoning_parser.py``): thinking by default, ``<tool_calls>`` ends it."""

    name = "hy_v4"
    implicit_ends = ("<tool_calls>",)


class K2Horizon(MarkerReasoningParser):
    """K2 Horizon, effort ``high`` tags (``k2_horizon_reasoning_parser.py``); the tool calls end it."""

    name = "k2_horizon"
    starts = ("<ifm|think>",)
    ends = ("</ifm|think>",)
    implicit_ends = ("<ifm|tool_calls>",)


class Mistral(MarkerReasoningParser):
    """Magistral: ``[THINK]…[/THINK]`` written by the model; ``[TOOL_CALLS]`` ends it."""

    name = "mistral"
    starts = ("[THINK]",)
    ends = ("[/THINK]",)
    thinking_default = False
    reopen = True
    implicit_ends = ("[TOOL_CALLS]",)
    strip_reasoning = True


class Gemma4(MarkerReasoningParser):
    """``<|channel>thought\\n…<channel|>`` (``test_gemma4_reasoning_parser.py``: the ``thought`` label is
    dropped, ``thousand`` is not; a stray ``<channel|>`` in content is dropped as vLLM streams it)."""

    name = "gemma4"
    starts = ("<|channel>thought\n", "<|channel>")
    ends = ("<channel|>",)
    thinking_default = False
    reopen = True
    implicit_ends = ("<|tool_call>",)
    strip_reasoning = True


class Plamo3(MarkerReasoningParser):
    name = "plamo3"
    starts = ("<|plamo:begin_think:plamo|>",)
    ends = ("<|plamo:end_think:plamo|>",)
    implicit_ends = ("<|plamo:begin_tool_requests:plamo|>",)
    reopen = True
    strip_reasoning = True
    drop_space_before_start = False  # a parser-engine grammar: text before <think> is reasoning


class Cohere(MarkerReasoningParser):
    """Command A reasoning (``vllm/parser/cohere_command.py``; SGLang's ``command`` detector documents the
    same blocks): ``<|START_THINKING|>…<|END_THINKING|>``, the response wrapper dropped."""

    name = "cohere_command3"
    aliases = ("cohere_command4",)
    starts = ("<|START_THINKING|>",)
    ends = ("<|END_THINKING|>",)
    thinking_default = False
    reopen = True
    implicit_ends = ("<|START_ACTION|>",)
    strip_reasoning = True
    drop_in_content = ("<|START_RESPONSE|>", "<|END_RESPONSE|>", "<|START_TEXT|>", "<|END_TEXT|>")


class ResponseTemplate(MarkerReasoningParser):
    """``hf`` and ``beam`` read a model's response template; without one, hermes splits the explicit
    ``<think>`` blocks a model writes."""

    name = "hf"
    aliases = ("beam",)
    thinking_default = False
    reopen = True
