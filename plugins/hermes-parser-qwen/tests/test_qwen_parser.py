"""``qwen``: Qwen2.5 / Qwen3 output, exactly as their chat templates and the Qwen docs show it."""

from __future__ import annotations

import json

from hermes_core.plugins import get_hermes
from hermes_testkit.parsers import ParserConformance, ParserSample

QWEN25_PARALLEL = (
    "<tool_call>\n"
    '{"name": "get_current_temperature", "arguments": {"location": "San Francisco, CA, USA"}}\n'
    "</tool_call>\n"
    "<tool_call>\n"
    '{"name": "get_temperature_date", "arguments": '
    '{"location": "San Francisco, CA, USA", "date": "2024-10-01"}}\n'
    "</tool_call>"
)

QWEN3_THINKING = (
    "<think>\n"
    "The user wants today's temperature in San Francisco. I have get_current_temperature; "
    'the location must be "City, State, Country".\n'
    "</think>\n\n"
    "<tool_call>\n"
    '{"name": "get_current_temperature", "arguments": '
    '{"location": "San Francisco, CA, USA", "unit": "celsius"}}\n'
    "</tool_call>"
)


def parse(text: str):
    return get_hermes().parser("qwen").parse(text)


def calls(parsed):
    return [(c.function.name, json.loads(c.function.arguments)) for c in parsed.tool_calls]


class TestQwenConformance(ParserConformance):
    parser_name = "qwen"
    samples = [
        ParserSample(
            text=QWEN25_PARALLEL,
            calls=[
                ("get_current_temperature", {"location": "San Francisco, CA, USA"}),
                ("get_temperature_date", {"location": "San Francisco, CA, USA", "date": "2024-10-01"}),
            ],
        ),
        ParserSample(
            text=QWEN3_THINKING,
            calls=[("get_current_temperature", {"location": "San Francisco, CA, USA", "unit": "celsius"})],
            content=QWEN3_THINKING[: QWEN3_THINKING.index("</think>") + 8],
        ),
        # Qwen2.5 with content first: the template joins content and call with one newline
        ParserSample(
            text=(
                "Let me search for that.\n<tool_call>\n"
                '{"name": "search", "arguments": {"query": "北京 天气 \\"明天\\"", "limit": 3, '
                '"filters": {"lang": ["zh", "en"]}}}\n'
                "</tool_call>"
            ),
            calls=[("search", {"query": '北京 天气 "明天"', "limit": 3, "filters": {"lang": ["zh", "en"]}})],
            content="Let me search for that.",
        ),
    ]


def test_single_call():
    parsed = parse('<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>')
    assert calls(parsed) == [("get_weather", {"city": "Paris"})] and parsed.content is None


def test_parallel_calls_have_unique_ids():
    parsed = parse(QWEN25_PARALLEL)
    assert len(parsed.tool_calls) == 2 and parsed.tool_calls[0].id != parsed.tool_calls[1].id


def test_qwen3_thinking_2507_without_opening_think_tag():
    """Qwen3-*-Thinking-2507 templates put ``<think>`` in the prompt: completions carry only ``</think>``."""
    text = (
        "I should call the tool with <tool_call> syntax.\n</think>\n\n"
        '<tool_call>\n{"name": "f", "arguments": {}}\n</tool_call>'
    )
    parsed = parse(text)
    assert calls(parsed) == [("f", {})]
    assert parsed.content == "I should call the tool with <tool_call> syntax.\n</think>"


def test_string_encoded_arguments_not_double_encoded():
    parsed = parse('<tool_call>\n{"name": "f", "arguments": "{\\"a\\": [1, \\"b\\"]}"}\n</tool_call>')
    assert parsed.tool_calls[0].function.arguments == '{"a": [1, "b"]}'


def test_escaped_and_unicode_arguments_round_trip():
    args = {"code": 'print("hi\\n")\n\tx = {"k": "v"}', "emoji": "🙂", "path": "C:\\\\tmp"}
    text = (
        "<tool_call>\n"
        + json.dumps({"name": "run", "arguments": args}, ensure_ascii=False)
        + "\n</tool_call>"
    )
    assert calls(parse(text)) == [("run", args)]


def test_plain_text():
    assert parse("The answer is 42.").tool_calls == []


def test_truncated_mid_json_keeps_the_certain_part():
    """A stream has sent the call once its arguments opened (hermes_core.parsing_partial)."""
    cut = '<tool_call>\n{"name": "get_weather", "arguments": {"city": '
    assert calls(parse(cut)) == [("get_weather", {})]
    text = '<tool_call>\n{"name": "get_weather", "argu'
    assert parse(text).tool_calls == [] and parse(text).content == text


def test_truncated_before_closing_tag_counts():
    """The unclosed-final-block rule: generation stopped (max_tokens) after the JSON but before the tag."""
    assert calls(parse('<tool_call>\n{"name": "f", "arguments": {"x": 1}}\n</tool_')) == [("f", {"x": 1})]


def test_malformed_block_does_not_lose_the_good_one():
    """Deliberately better than vLLM's hermes parser, which drops every call when one block is bad."""
    text = (
        '<tool_call>\n{"name": "a", "arguments": {]}\n</tool_call>\n'
        '<tool_call>\n{"name": "b", "arguments": {}}\n</tool_call>'
    )
    assert calls(parse(text)) == [("a", {}), ("b", {})]  # a's arguments up to the bad token


def test_aliases():
    from hermes_core.parsing_tags import HermesParser

    qwen = get_hermes().parsers.get("qwen")
    assert type(get_hermes().parser("qwen2_5")) is qwen and type(get_hermes().parser("qwen3")) is qwen
    # the shared class under Qwen's names, no copy: the subclass has no method of its own
    assert qwen.__bases__ == (HermesParser,) and not any(callable(v) for v in vars(qwen).values())
