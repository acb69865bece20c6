"""xlam: conformance plus the cases of vLLM's tests/tool_parsers/test_xlam_tool_parser.py."""

import json

import pytest

from hermes_core.plugins import get_hermes
from hermes_testkit.parsers import ParserConformance, ParserSample

DALLAS = {"city": "Dallas", "state": "TX", "unit": "fahrenheit"}
ORLANDO = {"city": "Orlando", "state": "FL", "unit": "fahrenheit"}
ONE = json.dumps([{"name": "get_current_weather", "arguments": DALLAS}])
TWO = json.dumps(
    [
        {"name": "get_current_weather", "arguments": DALLAS},
        {"name": "get_current_weather", "arguments": ORLANDO},
    ]
)


def parse(text):
    return get_hermes().parser("xlam").parse(text)


def exact(parsed):
    return [(c.function.name, c.function.arguments) for c in parsed.tool_calls]


class TestXLamConformance(ParserConformance):
    parser_name = "xlam"
    samples = [
        ParserSample(TWO, [("get_current_weather", DALLAS), ("get_current_weather", ORLANDO)]),
        ParserSample(
            "I'll help you with that.\n```json\n" + ONE + "\n```",
            [("get_current_weather", DALLAS)],
            content="I'll help you with that.",
        ),
    ]


@pytest.mark.parametrize(
    "text,expected,content",
    [  # vLLM ::test_extract_tool_calls (every id) and ::test_extract_tool_calls_list_structure
        pytest.param(TWO, [DALLAS, ORLANDO], None, id="parallel_tool_calls"),
        pytest.param(
            "<think>I'll help you with that.</think>" + ONE,
            [DALLAS],
            "<think>I'll help you with that.</think>",
            id="single_tool_with_think_tag",
        ),
        pytest.param(
            "I'll help you with that.\n```json\n" + ONE + "\n```",
            [DALLAS],
            "I'll help you with that.",
            id="single_tool_with_json_code_block",
        ),
        pytest.param(
            "I'll check the weather for you.[TOOL_CALLS]" + ONE,
            [DALLAS],
            "I'll check the weather for you.",
            id="single_tool_with_tool_calls_tag",
        ),
        pytest.param(
            "I'll help you check the weather.<tool_call>" + ONE + "</tool_call>",
            [DALLAS],
            "I'll help you check the weather.",
            id="single_tool_with_tool_call_xml_tags",
        ),
        pytest.param(
            json.dumps(
                [
                    {
                        "name": "get_current_weather",
                        "arguments": {"city": "Seattle", "state": "WA", "unit": "celsius"},
                    }
                ]
            ),
            [{"city": "Seattle", "state": "WA", "unit": "celsius"}],
            None,
            id="list_structured_tool_call",
        ),
    ],
)
def test_extract_tool_calls(text, expected, content):
    parsed = parse(text)
    assert exact(parsed) == [("get_current_weather", json.dumps(args)) for args in expected]
    assert parsed.content == content


def test_extract_tool_calls_no_tools():
    # vLLM ::test_extract_tool_calls_no_tools
    assert parse("This is a test").content == "This is a test"


def test_element_without_arguments_is_skipped_like_vllm():
    parsed = parse('[{"name": "a"}, {"name": "b", "arguments": {}}]')
    assert exact(parsed) == [("b", "{}")]
