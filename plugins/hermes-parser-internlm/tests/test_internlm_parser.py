"""internlm: conformance plus the cases of vLLM's tests/tool_parsers/test_internlm2_tool_parser.py."""

import json

import pytest

from hermes_core.plugins import get_hermes
from hermes_testkit.parser_helpers import VARIOUS_TYPES_ARGUMENTS, WEATHER_TOOL
from hermes_testkit.parser_helpers import decoded_calls as calls
from hermes_testkit.parsers import ParserConformance, ParserSample

GET_WEATHER_TOOL = WEATHER_TOOL  # vLLM's test offers get_weather(city); only the name matters here


def weather_output(name):
    # vLLM ::_weather_output
    return f'<|action_start|><|plugin|>{{"name": "{name}", "parameters": {{"city": "Tokyo"}}}}<|action_end|>'


def parse(text, tools=None):
    return get_hermes().parser("internlm").parse(text, tools=tools)


class TestInternLMConformance(ParserConformance):
    parser_name = "internlm"
    samples = [
        ParserSample(weather_output("get_weather"), [("get_weather", {"city": "Tokyo"})]),
        ParserSample(
            "Let me check the weather for you. " + weather_output("get_weather"),
            [("get_weather", {"city": "Tokyo"})],
            content="Let me check the weather for you.",
            tools=[GET_WEATHER_TOOL],
        ),
    ]


def test_extract_unknown_tool_name_not_emitted():
    # vLLM ::test_extract_unknown_tool_name_not_emitted
    assert parse(weather_output("delete_everything"), tools=[GET_WEATHER_TOOL]).tool_calls == []


def test_extract_known_tool_name_emitted():
    # vLLM ::test_extract_known_tool_name_emitted
    assert calls(parse(weather_output("get_weather"), tools=[GET_WEATHER_TOOL]))[0][0] == "get_weather"


def test_extract_without_tools_not_over_rejected():
    # vLLM ::test_extract_without_tools_not_over_rejected
    assert calls(parse(weather_output("get_weather")))[0][0] == "get_weather"


@pytest.mark.parametrize(
    "text,expected",
    [  # vLLM TestInternLM2ToolParser ToolParserTestConfig outputs
        (weather_output("get_weather"), [("get_weather", {"city": "Tokyo"})]),
        (
            "<|action_start|><|plugin|>"
            + json.dumps({"name": "test_function", "parameters": VARIOUS_TYPES_ARGUMENTS}, indent=2)
            + "<|action_end|>",
            [("test_function", VARIOUS_TYPES_ARGUMENTS)],
        ),
        ('<|action_start|><|plugin|>{"name": "refresh", "parameters": {}}<|action_end|>', [("refresh", {})]),
    ],
)
def test_reference_outputs(text, expected):
    parsed = parse(text)
    assert calls(parsed) == expected and parsed.content is None


@pytest.mark.parametrize(
    "text",
    [  # vLLM malformed_input_outputs
        '<|action_start|><|plugin|>{"name": "func", "parameters": {',
        '<|action_start|><|plugin|>{"name": "func", "parameters": "not a dict"}<|action_end|>',
        "<|action_start|><|plugin|>not json<|action_end|>",
        "<|action_start|><|plugin|>",
        '<|action_start|>{"name": "func"}',
    ],
)
def test_malformed_input_is_content(text):
    parsed = parse(text)
    assert parsed.tool_calls == [] and parsed.content == text


def test_cheap_failures_do_not_exhaust_the_budget():
    """Failed decodes are charged what they walked: many small failures do not hide a later call."""
    text = '<|action_start|><|plugin|>{"a":x ' * 200 + weather_output("get_weather")
    assert calls(parse(text)) == [("get_weather", {"city": "Tokyo"})]
