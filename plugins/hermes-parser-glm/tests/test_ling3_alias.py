"""``ling3``: vLLM serves Ling 3 with its GLM-4.7 parser (vllm/frontend/processing/parser/ling3.py)."""

from __future__ import annotations

import json

from hermes_core.plugins import get_hermes
from hermes_testkit.parser_helpers import WEATHER_TOOL
from hermes_testkit.parsers import ParserConformance, ParserSample

TOOLS = [WEATHER_TOOL]
THINK_THEN_CALL = (
    "<think>The user wants the weather.</think>Checking."
    "<tool_call>get_weather<arg_key>city</arg_key><arg_value>Hangzhou</arg_value>"
    "<arg_key>days</arg_key><arg_value>3</arg_value></tool_call>"
)
PARALLEL = (
    "<tool_call>get_weather<arg_key>city</arg_key><arg_value>Beijing</arg_value></tool_call>"
    "<tool_call>get_weather<arg_key>city</arg_key><arg_value>Shanghai</arg_value></tool_call>"
)


class TestLing3Conformance(ParserConformance):
    parser_name = "ling3"
    samples = [
        ParserSample(
            THINK_THEN_CALL,
            [("get_weather", {"city": "Hangzhou", "days": 3})],
            content="<think>The user wants the weather.</think>Checking.",
            tools=TOOLS,
        ),
        ParserSample(PARALLEL, [("get_weather", {"city": "Beijing"}), ("get_weather", {"city": "Shanghai"})]),
    ]


def test_ling3_reads_exactly_as_glm47():
    hermes = get_hermes()
    for text in (THINK_THEN_CALL, PARALLEL, "<tool_call>get_time</tool_call>", "no call"):
        ours, glm = (
            hermes.parser("ling3", tools=TOOLS).parse(text),
            hermes.parser("glm47", tools=TOOLS).parse(text),
        )
        assert ours.content == glm.content
        assert [(c.function.name, json.loads(c.function.arguments)) for c in ours.tool_calls] == [
            (c.function.name, json.loads(c.function.arguments)) for c in glm.tool_calls
        ]
