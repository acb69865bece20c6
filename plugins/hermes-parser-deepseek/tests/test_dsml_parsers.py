"""DeepSeek-V3.2 / V4 DSML parsers: conformance and the cases of vLLM's test suites."""

import json

import pytest
from hermes_parser_deepseek.dsml import DeepSeekV4Parser, DeepSeekV32Parser
from hermes_parser_deepseek.samples import V4_SINGLE, V32_PARALLEL, V32_TYPED

from hermes_testkit.parser_helpers import assert_cuts_match_parse
from hermes_testkit.parser_helpers import tool_definition as tool
from hermes_testkit.parsers import ParserConformance, ParserSample

FC_START = "<｜DSML｜function_calls>"
FC_END = "</｜DSML｜function_calls>"
INV_START = '<｜DSML｜invoke name="'
INV_END = "</｜DSML｜invoke>"
PARAM_START = '<｜DSML｜parameter name="'
PARAM_END = "</｜DSML｜parameter>"


def build(func_name, params, string="true"):
    body = "".join(f'{PARAM_START}{k}" string="{string}">{v}{PARAM_END}' for k, v in params.items())
    return f'{FC_START}\n{INV_START}{func_name}">\n{body}\n{INV_END}\n{FC_END}'


def invoke(name, *params):
    body = "".join(f'{PARAM_START}{k}" string="{s}">{v}{PARAM_END}\n' for k, s, v in params)
    return f'{FC_START}\n{INV_START}{name}">\n{body}{INV_END}\n{FC_END}'


def args_of(parser, text, tools=None):
    parsed = parser.parse(text, tools=tools)
    return [json.loads(c.function.arguments) for c in parsed.tool_calls]


class TestDeepSeekV32Conformance(ParserConformance):
    parameter_end = PARAM_END
    parser_name = "deepseek_v32"
    samples = [
        ParserSample(
            V32_PARALLEL,
            [
                ("get_weather", {"location": "杭州", "date": "2024-01-16"}),
                ("get_weather", {"location": "北京", "date": "2024-01-16"}),
            ],
        ),
        ParserSample(
            V32_TYPED,
            [
                (
                    "search",
                    {
                        "query": "DeepSeek V3.2 release notes",
                        "top_k": 5,
                        "filters": {"lang": ["en", "zh"], "recent": True},
                    },
                )
            ],
            content="I'll search for that.",
        ),
        ParserSample(
            invoke("toggle", ("enabled", "false", "true"), ("count", "true", "42")),
            [("toggle", {"enabled": True, "count": 42})],
            tools=[tool("toggle", {"enabled": {"type": "boolean"}, "count": {"type": "integer"}})],
        ),
    ]


class TestDeepSeekV4Conformance(ParserConformance):
    parameter_end = PARAM_END
    parser_name = "deepseek_v4"
    samples = [
        ParserSample(V4_SINGLE, [("get_weather", {"city": "Hangzhou", "days": 5})]),
        ParserSample(
            "<think>calling</think>" + V4_SINGLE,
            [("get_weather", {"city": "Hangzhou", "days": 5})],
            content="<think>calling</think>",
        ),
    ]


# vLLM tests/tool_parsers/test_deepseekv32_tool_parser.py::TestExtractToolCalls::test_no_tool_call
def test_no_tool_call():
    assert DeepSeekV32Parser().parse("just some text").content == "just some text"


# vLLM ...test_deepseekv32_tool_parser.py::TestExtractToolCalls::test_single_tool_no_params
def test_single_tool_no_params():
    text = f'{FC_START}\n{INV_START}get_time">\n{INV_END}\n{FC_END}'
    parsed = DeepSeekV32Parser().parse(text)
    assert [c.function.name for c in parsed.tool_calls] == ["get_time"] and args_of(
        DeepSeekV32Parser(), text
    ) == [{}]


# vLLM ...test_deepseekv32_tool_parser.py::TestExtractToolCalls::test_single_tool_with_params
def test_single_tool_with_params():
    text = build("get_weather", {"location": "SF", "date": "2024-01-16"})
    assert args_of(DeepSeekV32Parser(), text) == [{"location": "SF", "date": "2024-01-16"}]


# vLLM ...::test_content_before_tool_call and ::test_no_content_prefix_returns_none
def test_content_before_tool_call():
    parsed = DeepSeekV32Parser().parse("Sure, let me check! " + build("get_weather", {"location": "NYC"}))
    assert parsed.content == "Sure, let me check!"  # vLLM keeps the trailing space
    assert DeepSeekV32Parser().parse(build("get_weather", {"location": "NYC"})).content is None


# vLLM ...::test_multiple_tools
def test_multiple_tools():
    text = (
        f'{FC_START}\n{INV_START}get_weather">\n{PARAM_START}'
        f'location" string="true">SF{PARAM_END}\n{INV_END}\n'
        f'{INV_START}get_weather">\n{PARAM_START}location" string="true">NYC{PARAM_END}\n{INV_END}\n{FC_END}'
    )
    assert args_of(DeepSeekV32Parser(), text) == [{"location": "SF"}, {"location": "NYC"}]


TOGGLE = [tool("toggle", {"enabled": {"type": "boolean"}, "count": {"type": "integer"}})]
SCORE = [tool("score", {"value": {"type": "integer"}})]


@pytest.mark.parametrize(
    ("case", "tools", "text", "want"),
    [
        (  # vLLM ...::test_type_conversion_in_non_streaming
            "type_conversion",
            TOGGLE,
            invoke("toggle", ("enabled", "false", "true"), ("count", "false", "42")),
            {"enabled": True, "count": 42},
        ),
        (
            "string_attr_true_coerced_by_schema",
            SCORE,
            invoke("score", ("value", "true", "42")),
            {"value": 42},
        ),
        (
            "string_attr_false_allows_schema_conversion",
            SCORE,
            invoke("score", ("value", "false", "42")),
            {"value": 42},
        ),
        (
            "composed_schema_converts_object_and_array_params",
            [
                tool(
                    "set_timer",
                    {
                        "wait": {"anyOf": [{"type": "object"}, {"type": "object"}]},
                        "patches": {
                            "oneOf": [{"type": "array", "items": {"type": "object"}}, {"type": "null"}]
                        },
                    },
                )
            ],
            invoke(
                "set_timer",
                ("wait", "false", '{"type":"for","minutes":2880}'),
                ("patches", "false", '[{"op":"replace","path":"/schedule","value":"quiet"}]'),
            ),
            {
                "wait": {"type": "for", "minutes": 2880},
                "patches": [{"op": "replace", "path": "/schedule", "value": "quiet"}],
            },
        ),
        (
            "string_attr_true_coerced_by_composed_schema",
            [tool("set_timer", {"wait": {"anyOf": [{"type": "object"}, {"type": "null"}]}})],
            invoke("set_timer", ("wait", "true", '{"type":"for","minutes":2880}')),
            {"wait": {"type": "for", "minutes": 2880}},
        ),
        (
            "arguments_wrapper_repaired",
            [tool("get_weather", {"location": {"type": "string"}})],
            invoke("get_weather", ("arguments", "false", '{"location":"Beijing"}')),
            {"location": "Beijing"},
        ),
        (
            "input_wrapper_repaired",
            [tool("get_weather", {"location": {"type": "string"}})],
            invoke("get_weather", ("input", "true", '{"location":"Beijing"}')),
            {"location": "Beijing"},
        ),
        (
            "object_and_array_params",
            [tool("update", {"tags": {"type": "array"}, "meta": {"type": "object"}})],
            invoke("update", ("tags", "false", '["a", "b"]'), ("meta", "false", '{"k": 1}')),
            {"tags": ["a", "b"], "meta": {"k": 1}},
        ),
        (
            "number_param",
            [tool("measure", {"ratio": {"type": "number"}, "whole": {"type": "number"}})],
            invoke("measure", ("ratio", "false", "3.14"), ("whole", "false", "5.0")),
            {"ratio": 3.14, "whole": 5},
        ),
        (
            "multi_typed_schema",
            [
                tool(
                    "set_val", {"count": {"type": ["integer", "null"]}, "label": {"type": ["string", "null"]}}
                )
            ],
            invoke("set_val", ("count", "false", "42"), ("label", "false", "hello")),
            {"count": 42, "label": "hello"},
        ),
        (
            "multi_typed_null_value",
            [tool("clear", {"value": {"type": ["integer", "null"]}})],
            invoke("clear", ("value", "false", "null")),
            {"value": None},
        ),
        (
            "null_coerced_back_to_string_by_schema",
            [tool("echo", {"text": {"type": "string"}})],
            invoke("echo", ("text", "false", "null")),
            {"text": "null"},
        ),
        (
            "no_schema_parses_json",
            None,
            invoke("unknown_fn", ("count", "false", "42"), ("flag", "false", "true")),
            {"count": 42, "flag": True},
        ),
        (  # TestExtractToolCallsStreaming::test_streaming_matches_non_streaming_conversion_fallbacks
            "conversion_fallbacks",
            [
                tool(
                    "coerce",
                    {
                        "union_value": {"type": ["null", "string"]},
                        "bad_int": {"type": "integer"},
                        "nullable_string": {"type": ["null", "string"]},
                        "null_string": {"type": "string"},
                        "whole_number": {"type": "number"},
                    },
                )
            ],
            invoke(
                "coerce",
                ("union_value", "false", "hello"),
                ("bad_int", "false", "abc"),
                ("nullable_string", "false", "null"),
                ("null_string", "false", "null"),
                ("whole_number", "false", "3.0"),
            ),
            {
                "union_value": "hello",
                "bad_int": "abc",
                "nullable_string": None,
                "null_string": "null",
                "whole_number": 3,
            },
        ),
    ],
)
def test_vllm_typed_values(case, tools, text, want):
    """vLLM tests/tool_parsers/test_deepseekv32_tool_parser.py::TestExtractToolCalls::test_<case>."""
    got = args_of(DeepSeekV32Parser(), text, tools=tools)
    assert got == [want]
    assert [type(v) for v in got[0].values()] == [type(v) for v in want.values()]


def test_string_true_without_schema_stays_text():
    assert args_of(DeepSeekV32Parser(), invoke("f", ("n", "true", "42"), ("m", "false", "42"))) == [
        {"n": "42", "m": 42}
    ]


# vLLM tests/tool_parsers/test_deepseekv4_tool_parser.py::test_extract_tool_calls
def test_v4_extract_tool_calls():
    text = "Let me check. " + build("get_weather", {"location": "Beijing", "unit": "celsius"}).replace(
        "function_calls", "tool_calls"
    )
    parsed = DeepSeekV4Parser().parse(text)
    assert parsed.content == "Let me check."
    assert args_of(DeepSeekV4Parser(), text) == [{"location": "Beijing", "unit": "celsius"}]


# vLLM tests/tool_parsers/test_deepseekv4_tool_parser.py::test_function_calls_block_is_not_accepted
def test_v4_function_calls_block_is_not_accepted_and_v32_the_reverse():
    v32_text = build("search", {"query": "vllm"})
    assert DeepSeekV4Parser().parse(v32_text).tool_calls == []
    v4_text = v32_text.replace("function_calls", "tool_calls")
    assert (
        DeepSeekV32Parser().parse(v4_text).tool_calls == []
        and DeepSeekV32Parser().parse(v4_text).content == v4_text
    )


def test_cut_off_invoke_kept_with_its_whole_parameters():
    """Cut off by max_tokens: what a stream has sent (the name, the closed parameters), the cut-off
    parameter left out as vLLM's non-streaming parameter regex does."""
    text = build("a", {"x": "1"})[: -len(FC_END)] + f'{INV_START}b">{PARAM_START}y" string="true">par'
    assert args_of(DeepSeekV32Parser(), text) == [{"x": "1"}, {}]
    text = text.replace(f"{PARAM_START}y", f'{PARAM_START}w" string="false">7{PARAM_END}{PARAM_START}y')
    assert args_of(DeepSeekV32Parser(), text) == [{"x": "1"}, {"w": 7}]
    assert args_of(DeepSeekV32Parser(), build("a", {"x": "1"})[:-40]) == [{"x": "1"}]
    assert DeepSeekV32Parser().parse(f"{FC_START}{INV_START}b").tool_calls == []  # the name is not whole


def test_parameter_without_string_attribute_skipped_like_vllm():
    text = (
        f'{FC_START}{INV_START}f">{PARAM_START}a">1{PARAM_END}{PARAM_START}'
        f'b" string="true">2{PARAM_END}{INV_END}{FC_END}'
    )
    assert args_of(DeepSeekV32Parser(), text) == [{"b": "2"}]


def test_multiline_string_value_kept_verbatim():
    code = "def f():\n    return '</x>'\n"
    assert args_of(DeepSeekV32Parser(), build("write", {"code": code})) == [{"code": code}]


@pytest.mark.parametrize("parser", [DeepSeekV32Parser(), DeepSeekV4Parser()])
def test_stream_equals_parse(parser):
    tag = parser.start_markers[0]
    for text in (V32_PARALLEL, V32_TYPED, V4_SINGLE):
        text = text.replace("<｜DSML｜function_calls>", tag).replace(
            "</｜DSML｜function_calls>", "</" + tag[1:]
        )
        text = text.replace("<｜DSML｜tool_calls>", tag).replace("</｜DSML｜tool_calls>", "</" + tag[1:])
        assert_cuts_match_parse(parser, text)


@pytest.mark.parametrize("odd", ["", '"', "\\", "\n", "\x00", "\x1f", "\x7f", "\u2028", "東", "\ud800"])
def test_long_value_arguments_text_is_the_core_encoders(odd):
    """Long values skip the C string encoder when nothing needs escaping: the text must stay the same."""
    from hermes_core.parsing import encode_arguments

    value = "lorem ipsum " * 40 + odd + " dolor"
    text = invoke("write_file", ("content", "true", value), ("path", "true", "a.txt"), ("n", "false", "3"))
    got = DeepSeekV4Parser().parse(text.replace("function_calls", "tool_calls")).tool_calls[0]
    assert got.function.arguments == encode_arguments({"content": value, "path": "a.txt", "n": 3})


@pytest.mark.parametrize("at", [0, 490, 511, 600, 2000])
def test_long_value_with_bars_ends_at_its_parameter_end_tag(at):
    """The end tag of a long value is found past the bars and tag-like text inside it (the search looks
    for the full-width bar first)."""
    value = ("x" * at + "｜</｜DSML｜param｜DSML｜" + "y" * 700)[: at + 720]
    text = invoke("f", ("content", "true", value), ("n", "false", "3"))
    assert args_of(DeepSeekV32Parser(), text) == [{"content": value, "n": 3}]
