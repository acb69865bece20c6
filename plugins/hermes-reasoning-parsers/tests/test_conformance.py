"""Each format through the kit's conformance suite, with cases from vLLM 0.34's reasoning tests
(``tests/reasoning/test_<name>_reasoning_parser.py``; the case name is given beside each sample)."""

from __future__ import annotations

import json

from hermes_testkit.reasoning import ReasoningConformance, ReasoningSample

S = ReasoningSample
TOOL = "<tool_call>\n<function=read_file>\n<parameter=path>\na.txt\n</parameter>\n</function>\n</tool_call>"


class TestDeepSeekR1(ReasoningConformance):
    parser_name = "deepseek_r1"
    samples = [
        S(
            "This is a reasoning section</think>This is the rest",
            "This is a reasoning section",
            "This is the rest",
        ),
        S("This is content", "This is content", None),  # no_content
        S("</think>This is the rest", None, "This is the rest"),  # shortest_reasoning
        S("<think>This\nThat</think>This is the rest\nThat", "This\nThat", "This is the rest\nThat"),
        S("<think>This is a reasoning section", "This is a reasoning section", None),  # think_no_end
        S("", None, None),  # empty
        S(
            "\n<think>This is a reasoning section</think>\nThis is the rest",
            "This is a reasoning section",
            "\nThis is the rest",
        ),  # new_line (whole-text form)
    ]


class TestStep5Alias(TestDeepSeekR1):
    parser_name = "step5"


class TestQwen3(ReasoningConformance):
    parser_name = "qwen3"
    tool_parser_name = "qwen3_coder"
    samples = [
        S(
            "This is a reasoning section</think>This is the rest",
            "This is a reasoning section",
            "This is the rest",
        ),
        S(
            "<think>This is a reasoning\nsection</think>This is the rest\nThat",
            "This is a reasoning\nsection",
            "This is the rest\nThat",
        ),  # multiline_reasoning
        S("This is a reasoning section", "This is a reasoning section", None),  # truncated_no_start_token
        S(
            "I need to read the file.\n\n" + TOOL, "I need to read the file.\n\n", TOOL
        ),  # tool_call_no_think_end
        S("<think>I need to read the file.\n\n" + TOOL, "I need to read the file.\n\n", TOOL),
        S("This is the rest", None, "This is the rest", thinking=False),  # thinking_disabled_plain_content
    ]


class TestGlm45(ReasoningConformance):
    parser_name = "glm45"
    samples = [
        S("<think>Let me check</think>It is 4.", "Let me check", "It is 4."),
        S("reason  \n</think>answer", "reason", "answer"),  # trailing reasoning whitespace stripped
        S(
            "plan<tool_call>get_weather<arg_key>city</arg_key>",
            "plan",
            "<tool_call>get_weather<arg_key>city</arg_key>",
        ),
    ]


class TestGlm47Alias(TestGlm45):
    parser_name = "glm47"


class TestDeepSeekV3(ReasoningConformance):
    parser_name = "deepseek_v3"
    samples = [  # test_deepseekv3_reasoning_parser.py: identity unless thinking is asked for
        S("<think>x</think>y", None, "<think>x</think>y"),
        S("x</think>y", "x", "y", thinking=True),
    ]


class TestHolo2(ReasoningConformance):
    parser_name = "holo2"
    samples = [S("x</think>y", "x", "y"), S("x</think>y", None, "x</think>y", thinking=False)]


class TestErnie45(ReasoningConformance):
    parser_name = "ernie45"
    samples = [
        S("abc</think>def", "abc", "def"),
        S("abc\nABC</think>def\nDEF", "abc\nABC", "def\nDEF"),
        S("abc</think>", "abc", None),
        S("abc\n</think>\n\n<response>\ndef\n</response>\n", "abc\n", "\n\n\ndef\n\n"),
    ]


class TestHunyuanA13B(ReasoningConformance):
    parser_name = "hunyuan_a13b"
    samples = [
        S(
            "<think>\n\n</think>\n<answer>\nThis is the rest\n</answer>", None, "This is the rest"
        ),  # quick thought
        S(
            "<think>\nThis is a reasoning section\n</think>\n<answer>\nThis is the rest\n</answer>",
            "This is a reasoning section",
            "This is the rest",
        ),
        S("This is content", None, "This is content"),  # no_reasoning
        S(
            "<think>\nThis\nThat\n</think>\n<answer>\nThis is the rest\nThat",
            "This\nThat",
            "This is the rest\nThat",
        ),
    ]


class TestOlmo3(ReasoningConformance):
    parser_name = "olmo3"
    samples = [
        S("<think></think>No thoughts, head empty!", None, "No thoughts, head empty!"),
        S("<think>\n</think>\n\nNo thoughts, head empty!", "\n", "\n\nNo thoughts, head empty!"),
        S(
            "<think> Look!\n\nI'm thinking...</think>\nThis is the rest",
            " Look!\n\nI'm thinking...",
            "\nThis is the rest",
        ),
        S("</think>\n\nNo thoughts, head empty!", None, "\n\nNo thoughts, head empty!"),
        S(
            "The user is asking me not to think.</think>No thoughts!",
            "The user is asking me not to think.",
            "No thoughts!",
        ),
    ]


class TestGemma4(ReasoningConformance):
    parser_name = "gemma4"
    samples = [
        S(
            "<|channel>thought\nActual reasoning here<channel|>Final answer",
            "Actual reasoning here",
            "Final answer",
        ),
        S("<|channel>thought\n<channel|>", None, None),  # thought_prefix_only
        S("<|channel>thousand reasons<channel|>Done", "thousand reasons", "Done"),  # thought_prefix_diverge
        S("This is content", None, "This is content"),
        S(
            "Before\n<|channel>This is a reasoning section<channel|>\nThis is the rest",
            "This is a reasoning section",
            "Before\n\nThis is the rest",
        ),  # new_line
        S(
            "This is a reasoning section<channel|>This is the rest",
            None,
            "This is a reasoning sectionThis is the rest",
        ),  # invalid_simple (vLLM's streaming form)
        S("<|tool_call>", None, "<|tool_call>"),  # tool_call_started
    ]


class TestGranite(ReasoningConformance):
    parser_name = "granite"
    samples = [
        S(
            "Here is my thought process:This is a reasoning sectionHere is my response:This is the rest",
            "This is a reasoning section",
            "This is the rest",
        ),
        S(
            "Here's my thought process:This\nThatHere's my response:This is the rest\nThat",
            "This\nThat",
            "This is the rest\nThat",
        ),
        S("This is content", None, "This is content"),
        S("Here is my thought failure", None, "Here is my thought failure"),
    ]


class TestMiniMaxM2(ReasoningConformance):
    parser_name = "minimax_m2"
    samples = [
        S("reasoning</think>answer", "reasoning", "answer"),
        S(
            'plan<minimax:tool_call><invoke name="f"></invoke></minimax:tool_call>',
            "plan",
            '<minimax:tool_call><invoke name="f"></invoke></minimax:tool_call>',
        ),
    ]


class TestMiniMaxM2AppendThink(ReasoningConformance):
    parser_name = "minimax_m2_append_think"
    samples = [  # test_minimax_m2_append_reasoning_parser
        S("abc</think>def", None, "<think>abc</think>def"),
        S("", None, "<think>"),  # EMPTY
    ]


class TestMistral(ReasoningConformance):
    parser_name = "mistral"
    samples = [
        S("[THINK]plan[/THINK]answer", "plan", "answer"),
        S("answer only", None, "answer only"),
        S("[THINK]plan[TOOL_CALLS]get[ARGS]{}", "plan", "[TOOL_CALLS]get[ARGS]{}"),
    ]


class TestSeedOss(ReasoningConformance):
    parser_name = "seed_oss"
    samples = [S("<seed:think>x</seed:think>y", "x", "y"), S("x<seed:tool_call>", "x", "<seed:tool_call>")]


class TestStep3(ReasoningConformance):
    parser_name = "step3"
    samples = [S("abc</think>def", "abc", "def"), S("abc", "abc", None)]


class TestKimiK2(ReasoningConformance):
    parser_name = "kimi_k2"
    samples = [
        S("<think>plan</think>answer", "plan", "answer"),
        S("plan<|tool_calls_section_begin|>x", "plan", "<|tool_calls_section_begin|>x"),
        S("ok", None, "ok", thinking=False),
    ]


K3_TOOLS = (
    '<|open|>tools<|sep|><|open|>call tool="python" index="1"<|sep|>'
    '<|open|>argument key="code" type="string"<|sep|>print(1)<|close|>argument<|sep|>'
    "<|close|>call<|sep|><|close|>tools<|sep|>"
)


class TestKimiK3(ReasoningConformance):
    """vLLM's kimi_k3_reasoning_parser.py shapes (and SGLang's K3 channels): a think block; a response
    channel without one is all content; an unclosed think block is all reasoning."""

    parser_name = "kimi_k3"
    tool_parser_name = "kimi_k3"
    samples = [
        S(
            "<|open|>think<|sep|>plan<|close|>think<|sep|><|open|>response<|sep|>Hi<|close|>response<|sep|>",
            "plan",
            "Hi",
        ),
        S("<|open|>response<|sep|>Hi<|close|>response<|sep|><|close|>message<|sep|>", None, "Hi"),
        S("plan<|close|>think<|sep|>Hi", "plan", "Hi"),  # the open marker was the generation prefix
        S("<|open|>think<|sep|>still thinking", "still thinking", None),
        S("<|open|>think<|sep|>run it<|close|>think<|sep|>" + K3_TOOLS, "run it", K3_TOOLS),
        S("run it" + K3_TOOLS, "run it", K3_TOOLS),  # the tools channel ends the reasoning
    ]


class TestGptOss(ReasoningConformance):
    parser_name = "openai_gptoss"
    tool_parser_name = "openai"
    samples = [
        S(
            "<|channel|>analysis<|message|>Think.<|end|><|start|>assistant<|channel|>final<|message|>Hi.<|return|>",
            "Think.",
            "Hi.",
        ),
        S(
            "<|channel|>analysis<|message|>Need weather.<|end|><|start|>assistant<|channel|>commentary "
            'to=functions.get_weather <|constrain|>json<|message|>{"city": "Paris"}<|call|>',
            "Need weather.",
            "<|start|>assistant<|channel|>commentary to=functions.get_weather <|constrain|>json<|message|>"
            '{"city": "Paris"}<|call|>',
        ),
    ]


COHERE_ACTION = (
    '<|START_ACTION|>[{"tool_call_id":"0","tool_name":"get_weather",'
    '"parameters":{"city":"SF"}}]<|END_ACTION|>'
)
COHERE_ACTION_AFTER_THINKING = "<|START_THINKING|>I need the weather.<|END_THINKING|>" + COHERE_ACTION


class TestCohere(ReasoningConformance):
    parser_name = "cohere_command4"
    tool_parser_name = "cohere_command4"
    samples = [  # SGLang's Command detector: thinking block, then the response or action block
        S("<|START_THINKING|>plan<|END_THINKING|><|START_RESPONSE|>Hi<|END_RESPONSE|>", "plan", "Hi"),
        S(COHERE_ACTION_AFTER_THINKING, "I need the weather.", COHERE_ACTION),
    ]


def test_composed_split_reads_calls_after_the_reasoning_only():
    """Reasoning first, then the tool parser on the content (vLLM's order; SGLang's Command blocks)."""
    from hermes_core.plugins import get_hermes
    from hermes_core.reasoning import split_reasoning

    host = get_hermes()
    done = split_reasoning(
        COHERE_ACTION_AFTER_THINKING,
        host.reasoning_parsers.get("cohere_command4")(),
        host.parser("cohere_command4"),
    )
    assert done.reasoning == "I need the weather." and done.content is None
    # the contract is about values: the arguments may be kept as the model wrote them
    assert [(c.function.name, json.loads(c.function.arguments)) for c in done.tool_calls] == [
        ("get_weather", {"city": "SF"})
    ]
    k3 = split_reasoning("run it" + K3_TOOLS, host.reasoning_parsers.get("kimi_k3")(), host.parser("kimi_k3"))
    assert k3.reasoning == "run it" and [c.function.name for c in k3.tool_calls] == ["python"]


class TestStep3p5(ReasoningConformance):
    """test_step3p5_reasoning_parser.py: a parser-engine grammar keeps the text before ``<think>``."""

    parser_name = "step3p5"
    samples = [
        S(
            "\n<think>This is a reasoning section</think>\nThis is the rest",
            "\nThis is a reasoning section",
            "\nThis is the rest",
        ),  # NEW_LINE
        S(
            "This is a reasoning section</think>This is the rest",
            "This is a reasoning section",
            "This is the rest",
        ),
    ]
