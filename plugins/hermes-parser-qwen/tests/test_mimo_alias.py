"""``mimo``: MiMo writes Qwen3-Coder XML calls; vLLM registers ``mimo`` -> ``Qwen3EngineToolParser``."""

from __future__ import annotations

import json

from hermes_core.plugins import get_hermes
from hermes_testkit.parsers import ParserConformance, ParserSample

TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_current_weather",
            "parameters": {
                "type": "object",
                "properties": {
                    "city": {"type": "string"},
                    "state": {"type": "string"},
                    "unit": {"type": "string", "enum": ["fahrenheit", "celsius"]},
                    "days": {"type": "integer"},
                },
            },
        },
    }
]
# vLLM tests/tool_parsers/test_qwen3coder_tool_parser.py::test_extract_tool_calls[single_tool]
SINGLE = (
    "<tool_call>\n<function=get_current_weather>\n<parameter=city>\nDallas\n</parameter>\n"
    "<parameter=state>\nTX\n</parameter>\n<parameter=unit>\nfahrenheit\n</parameter>\n</function>\n</tool_call>"
)
# ...::test_extract_tool_calls[single_tool_with_content]
WITH_CONTENT = "Sure! Let me check the weather for you." + SINGLE
# ...::test_extract_tool_calls[parallel_tools]
PARALLEL = (
    SINGLE + "\n<tool_call>\n<function=get_current_weather>\n<parameter=city>\nOrlando\n</parameter>\n"
    "<parameter=state>\nFL\n</parameter>\n<parameter=unit>\nfahrenheit\n</parameter>\n</function>\n</tool_call>"
)
DALLAS = ("get_current_weather", {"city": "Dallas", "state": "TX", "unit": "fahrenheit"})
ORLANDO = ("get_current_weather", {"city": "Orlando", "state": "FL", "unit": "fahrenheit"})


class TestMimoConformance(ParserConformance):
    parser_name = "mimo"
    parameter_end = "</parameter>"
    samples = [
        ParserSample(SINGLE, [DALLAS], tools=TOOLS),
        ParserSample(WITH_CONTENT, [DALLAS], content="Sure! Let me check the weather for you.", tools=TOOLS),
        ParserSample(PARALLEL, [DALLAS, ORLANDO], tools=TOOLS),
        ParserSample(
            "<tool_call>\n<function=get_current_weather>\n<parameter=city>\nParis\n</parameter>\n"
            "<parameter=days>\n3\n</parameter>\n</function>\n</tool_call>",
            [("get_current_weather", {"city": "Paris", "days": 3})],
            tools=TOOLS,
        ),
    ]


def test_mimo_is_the_qwen3_coder_reading():
    hermes = get_hermes()
    for text in (SINGLE, WITH_CONTENT, PARALLEL):
        ours = hermes.parser("mimo", tools=TOOLS).parse(text)
        qwen = hermes.parser("qwen3_coder", tools=TOOLS).parse(text)
        assert ours.content == qwen.content
        assert [(c.function.name, c.function.arguments) for c in ours.tool_calls] == [
            (c.function.name, c.function.arguments) for c in qwen.tool_calls
        ]


def test_schema_types_values():
    # vLLM tests/tool_parsers/test_qwen3coder_tool_parser.py: "days" is an integer in the schema,
    # "city" a string even when it looks like a number
    text = (
        "<tool_call>\n<function=get_current_weather>\n<parameter=city>\n10001\n</parameter>\n"
        "<parameter=days>\n7\n</parameter>\n</function>\n</tool_call>"
    )
    parsed = get_hermes().parser("mimo", tools=TOOLS).parse(text)
    assert json.loads(parsed.tool_calls[0].function.arguments) == {"city": "10001", "days": 7}
