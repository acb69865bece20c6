"""``ernie45``: ERNIE-4.5 thinking-model output, hermes JSON calls after ``</think>``."""

from __future__ import annotations

import json

from hermes_core.parsing_stream import join_deltas
from hermes_core.plugins import get_hermes
from hermes_testkit.parser_helpers import decoded_calls as calls
from hermes_testkit.parsers import ParserConformance, ParserSample

TEMPERATURE = (
    '<tool_call>\n{"name": "get_current_temperature", "arguments": {"location": "Beijing"}}\n</tool_call>\n'
)
UNIT = (
    '<tool_call>\n{"name": "get_temperature_unit", "arguments": {"location": "Guangzhou", "unit": "c"}}\n'
    "</tool_call>\n"
)
REASONING = "I need to call two tools to handle these two issues separately.\n</think>\n\n"
BOTH = [
    ("get_current_temperature", {"location": "Beijing"}),
    ("get_temperature_unit", {"location": "Guangzhou", "unit": "c"}),
]


def parse(text: str):
    return get_hermes().parser("ernie45").parse(text)


class TestErnie45Conformance(ParserConformance):
    parser_name = "ernie45"
    samples = [
        # vLLM tests/tool_parsers/test_ernie45_moe_tool_parser.py::test_extract_tool_calls[single_tool_call]
        ParserSample(TEMPERATURE, [("get_current_temperature", {"location": "Beijing"})]),
        # ...::test_extract_tool_calls[multiple_tool_calls]
        ParserSample(TEMPERATURE + UNIT, BOTH),
        # ...::test_extract_tool_calls[tool_call_with_content_before]
        ParserSample(REASONING + TEMPERATURE + UNIT, BOTH, content=REASONING.rstrip()),
    ]


def test_no_tools():
    # vLLM tests/tool_parsers/test_ernie45_moe_tool_parser.py::test_extract_tool_calls_no_tools
    parsed = parse("This is a test")
    assert parsed.tool_calls == [] and parsed.content == "This is a test"


def test_content_keeps_the_reasoning_before_the_calls():
    # ...::test_extract_tool_calls[tool_call_with_content_before]: content is the text up to "</think>"
    parsed = parse(REASONING + TEMPERATURE + UNIT)
    assert parsed.content == "I need to call two tools to handle these two issues separately.\n</think>"
    assert calls(parsed) == BOTH


def test_streaming_token_by_token_equals_parse():
    # ...::test_extract_tool_calls_streaming_incremental, one character per delta
    text = REASONING + TEMPERATURE + UNIT
    stream = get_hermes().parser("ernie45").stream()
    deltas = [d for ch in text for d in stream.feed(ch)] + stream.finish()
    content, streamed = join_deltas(deltas)
    assert content == REASONING.rstrip()
    assert [(c["function"]["name"], json.loads(c["function"]["arguments"])) for c in streamed] == BOTH


def test_malformed_block_skipped_good_block_kept():
    text = '<tool_call>{"name": "broken", </tool_call>\n' + TEMPERATURE
    assert calls(parse(text)) == [("get_current_temperature", {"location": "Beijing"})]
