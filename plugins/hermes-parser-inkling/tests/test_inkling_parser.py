# ruff: noqa: E501  (model outputs quoted whole)
"""``inkling``: the format of vLLM vllm/frontend/processing/parser/inkling.py (module docstring and
``inkling_config``); vLLM's suite has no Inkling test file."""

from __future__ import annotations

from hermes_core.plugins import get_hermes
from hermes_testkit.parser_helpers import decoded_calls as calls
from hermes_testkit.parsers import ParserConformance, ParserSample

THINK = "<|message_model|><|content_thinking|>The user wants SF weather.<|end_message|>"
TEXT = "<|message_model|><|content_text|>Checking SF.<|end_message|>"
CALL = (
    '<|message_model|><|content_invoke_tool_json|>{"name":"get_weather","args":{"city":"SF"}}<|end_message|>'
)
SF = ("get_weather", {"city": "SF"})


def parse(text: str):
    return get_hermes().parser("inkling").parse(text)


class TestInklingConformance(ParserConformance):
    parser_name = "inkling"
    samples = [
        ParserSample(THINK + TEXT + CALL, [SF], content="Checking SF."),
        ParserSample(CALL + CALL.replace("SF", "NYC"), [SF, ("get_weather", {"city": "NYC"})]),
    ]


def test_docstring_example():
    parsed = parse(THINK + TEXT + CALL)
    assert calls(parsed) == [SF] and parsed.content == "Checking SF."


def test_blocks_in_any_order_and_end_sampling_token():
    text = CALL.replace("<|end_message|>", "<|content_model_end_sampling|>") + TEXT
    parsed = parse(text)
    assert calls(parsed) == [SF] and parsed.content == "Checking SF."


def test_args_must_be_an_object():
    # vLLM _args_value_span: "Inkling tool call args must be a JSON object"
    text = '<|content_invoke_tool_json|>{"name":"f","args":[1]}<|end_message|>'
    assert parse(text).tool_calls == [] and parse(text).content == text


def test_missing_args_is_an_empty_object():
    # vLLM _inkling_arg_converter: no args value -> "{}"
    assert calls(parse('<|content_invoke_tool_json|>{"name":"refresh"}<|end_message|>')) == [("refresh", {})]


def test_raw_text_tool_blocks_and_errors_are_visible_not_calls():
    text = (
        "<|content_invoke_tool_text|>get_weather SF<|end_message|><|content_tool_error|>oops<|end_message|>"
    )
    assert parse(text).tool_calls == [] and parse(text).content == text
    parsed = parse(text + CALL)
    assert calls(parsed) == [SF] and parsed.content == "get_weather SFoops"


def test_header_metadata_is_not_content():
    text = '<|message_model|>get_weather<|content_invoke_tool_json|>{"name":"get_weather","args":{}}<|end_message|>'
    parsed = parse(text)
    assert calls(parsed) == [("get_weather", {})] and parsed.content is None
