"""Formats whose reasoning is a channel or a phrase rather than a tag pair: gpt-oss's harmony
``analysis`` channel, Granite's "Here is my thought process:", Kimi K3's ``<|open|>think<|sep|>`` blocks,
Muse's ``to=self`` messages and Inkling's thinking content blocks.

They are declared with the same markers machinery; what stays in the content is what the matching
tool-call parser reads (harmony's ``commentary`` headers, Kimi's tool sections).
"""

from __future__ import annotations

from hermes_core.reasoning_markers import MarkerReasoningParser


class GptOss(MarkerReasoningParser):
    """gpt-oss (harmony): ``analysis`` messages are reasoning; the ``final`` channel's header and end
    tokens are dropped from the content, ``commentary`` (tool calls) is kept for the ``openai`` tool
    parser. vLLM's ``openai_gptoss`` only marks the boundary and leaves the split to its harmony parser;
    this does the split itself so that ``--reasoning-parser openai_gptoss`` works alone."""

    name = "openai_gptoss"
    aliases = ("gpt_oss",)
    starts = ("<|start|>assistant<|channel|>analysis<|message|>", "<|channel|>analysis<|message|>")
    ends = ("<|end|>",)
    thinking_default = False
    reopen = True
    absorb_ends = False
    drop_in_content = (
        "<|start|>assistant<|channel|>final<|message|>",
        "<|channel|>final<|message|>",
        "<|return|>",
    )
    strip_reasoning = True


class Granite(MarkerReasoningParser):
    """Granite 3.2 (``granite_reasoning_parser.py``): "Here is my thought process:" … "Here is my
    response:" (also "Here's"); a turn without the phrases is content."""

    name = "granite"
    starts = ("Here is my thought process:", "Here's my thought process:")
    ends = ("Here is my response:", "Here's my response:")
    thinking_default = False
    reopen = True
    absorb_ends = False


class KimiK3(MarkerReasoningParser):
    """Kimi K3 channels (``kimi_k3_reasoning_parser.py``, SGLang's ``kimi_k3`` detector): a
    ``think`` block is reasoning, the ``response`` block's markers are dropped, the ``tools`` channel is
    left for the ``kimi_k3`` tool parser; thinking on by default."""

    name = "kimi_k3"
    starts = ("<|open|>think<|sep|>",)
    ends = ("<|close|>think<|sep|>",)
    reopen = True
    # a response or tools channel opened without a think block: no reasoning (vLLM's four shapes)
    implicit_ends = ("<|open|>response<|sep|>", "<|open|>tools<|sep|>")
    drop_in_content = ("<|open|>response<|sep|>", "<|close|>response<|sep|>", "<|close|>message<|sep|>")
    strip_reasoning = True


class Muse(MarkerReasoningParser):
    """Muse (``muse_reasoning_parser.py``): a message to ``self`` is reasoning, ended by ``<|eom|>``."""

    name = "muse"
    aliases = ("musespark", "muse_glimmer")
    starts = ("<|start|>assistant to=self<|message|>", "to=self<|message|>")
    ends = ("<|eom|>",)
    thinking_default = False
    reopen = True
    absorb_ends = False


class Inkling(MarkerReasoningParser):
    """Inkling (``vllm/parser/inkling.py``): a ``<|content_thinking|>`` block up to ``<|end_message|>``
    is reasoning; a tool block ends it."""

    name = "inkling"
    starts = ("<|content_thinking|>",)
    ends = ("<|end_message|>",)
    thinking_default = False
    reopen = True
    absorb_ends = False
    implicit_ends = ("<|content_invoke_tool_json|>", "<|content_invoke_tool_text|>")
    drop_in_content = ("<|message_model|>", "<|content_text|>")
