"""Hunyuan-A13B and Hunyuan V3 parsers: conformance and cases from vLLM's suites."""

import json

import pytest
from hermes_parser_hunyuan.a13b import HunyuanA13BParser
from hermes_parser_hunyuan.hy_v3 import HyV3Parser

from hermes_testkit.parser_helpers import assert_cuts_match_parse, tool_definition
from hermes_testkit.parser_helpers import decoded_calls as calls
from hermes_testkit.parsers import ParserConformance, ParserSample

A13B_SINGLE = (
    "<think>The user wants the weather; call the tool.</think>\n<answer>\n"
    '<tool_calls>[{"name": "get_current_weather", "arguments": {"city": "'
    'San Francisco", "state": "CA", "unit": "fahrenheit"}}]</tool_calls>\n'
    "</answer>"
)
A13B_PARALLEL = (
    "I'll check both.\n<tool_calls>["
    '{"name": "get_current_weather", "arguments": {"city": "Dallas", "state": "TX"}}, '
    '{"name": "get_current_weather", "arguments": {"city": "Orlando", "state": "FL"}}]</tool_calls>'
)
HY_ARGS = (
    "<tool_calls>\n<tool_call>get_weather<tool_sep>\n<arg_key>city</arg_key>\n<arg_value>Beijing</arg_value>\n"
    "<arg_key>date</arg_key>\n<arg_value>2026-03-30</arg_value>\n</tool_call>\n</tool_calls>"
)
HY_MULTIPLE = (
    "Checking.<tool_calls>\n<tool_call>get_weather<tool_sep>\n<arg_key>city</arg_key>\n<arg_value>Beijing</arg_value>\n"
    "<arg_key>days</arg_key>\n<arg_value>3</arg_value>\n</tool_call>\n"
    "<tool_call>get_current_date<tool_sep>\n</tool_call>\n</tool_calls>"
)
HY_TOOLS = [
    {"type": "function", "function": {"name": "get_current_date", "parameters": {}}},
    tool_definition(
        "get_weather",
        {
            "city": {"type": "string"},
            "date": {"type": "string"},
            "days": {"type": "integer"},
        },
    ),
]


class TestHunyuanA13BConformance(ParserConformance):
    parser_name = "hunyuan_a13b"
    samples = [
        ParserSample(
            A13B_SINGLE,
            [("get_current_weather", {"city": "San Francisco", "state": "CA", "unit": "fahrenheit"})],
            content="<think>The user wants the weather; call the tool.</think>\n<answer>",
        ),
        ParserSample(
            A13B_PARALLEL,
            [
                ("get_current_weather", {"city": "Dallas", "state": "TX"}),
                ("get_current_weather", {"city": "Orlando", "state": "FL"}),
            ],
            content="I'll check both.",
        ),
    ]


class TestHyV3Conformance(ParserConformance):
    parser_name = "hy_v3"
    parameter_end = "</arg_value>"
    samples = [
        ParserSample(HY_ARGS, [("get_weather", {"city": "Beijing", "date": "2026-03-30"})], tools=HY_TOOLS),
        ParserSample(
            HY_MULTIPLE,
            [("get_weather", {"city": "Beijing", "days": 3}), ("get_current_date", {})],
            content="Checking.",
            tools=HY_TOOLS,
        ),
    ]


def test_a13b_block_inside_think_ignored():
    """vLLM hunyuan_a13b_tool_parser.preprocess_model_output: blocks inside <think> are not calls."""
    text = (
        '<think>maybe <tool_calls>[{"name": "no", "arguments": {}}]</tool_calls> then</think>' + A13B_PARALLEL
    )
    assert [n for n, _ in calls(HunyuanA13BParser().parse(text))] == ["get_current_weather"] * 2


def test_a13b_first_json_block_wins_and_non_list_is_no_call():
    text = "<tool_calls>not json</tool_calls>" + A13B_PARALLEL
    assert len(HunyuanA13BParser().parse(text).tool_calls) == 2
    obj = '<tool_calls>{"name": "f", "arguments": {}}</tool_calls>'
    assert HunyuanA13BParser().parse(obj).tool_calls == [] and HunyuanA13BParser().parse(obj).content == obj


def test_a13b_items_need_name_and_arguments():
    text = '<tool_calls>[{"name": "a"}, {"name": "b", "arguments": "{\\"x\\": 1}"}]</tool_calls>'
    assert calls(HunyuanA13BParser().parse(text)) == [("b", {"x": 1})]


# vLLM tests/tool_parsers/test_hy_v3_tool_parser.py::TestHYV3ExtractToolCalls::test_no_tool_call
def test_hy_no_tool_call():
    assert HyV3Parser().parse("This is a plain response.").content == "This is a plain response."


@pytest.mark.parametrize(
    ("text", "want", "content"),
    [
        (
            "<tool_calls><tool_call>get_current_date<tool_sep></tool_call></tool_calls>",
            [("get_current_date", {})],
            None,
        ),
        (
            "<tool_calls>\n<tool_call>get_current_date<tool_sep>\n</tool_call>\n</tool_calls>",
            [("get_current_date", {})],
            None,
        ),
        (
            "<tool_calls><tool_call>get_weather<tool_sep><arg_key>city</arg_key><arg_value>Beijing"
            "</arg_value><arg_key>date</arg_key><arg_value>2026-03-30</arg_value></tool_call></tool_calls>",
            [("get_weather", {"city": "Beijing", "date": "2026-03-30"})],
            None,
        ),
        (HY_ARGS, [("get_weather", {"city": "Beijing", "date": "2026-03-30"})], None),
        (
            "Checking.<tool_calls>\n<tool_call>get_current_date<tool_sep>\n</tool_call>\n</tool_calls>",
            [("get_current_date", {})],
            "Checking.",
        ),
        (
            HY_ARGS.replace("</tool_call>\n</tool_calls>", "</tool_call>\n")
            + "<tool_call>get_weather<tool_sep>\n<arg_key>city</arg_key>\n<arg_value>Hangzhou</arg_value>\n"
            "<arg_key>date</arg_key>\n<arg_value>2026-03-30</arg_value>\n</tool_call>\n</tool_calls>",
            [
                ("get_weather", {"city": "Beijing", "date": "2026-03-30"}),
                ("get_weather", {"city": "Hangzhou", "date": "2026-03-30"}),
            ],
            None,
        ),
    ],
    ids=[
        "zero_arg_inline",
        "zero_arg_newline",
        "args_same_line",
        "args_with_newlines",
        "content_before",
        "multiple",
    ],
)
def test_hy_extract_tool_calls(text, want, content):
    """vLLM tests/tool_parsers/test_hy_v3_tool_parser.py::TestHYV3ExtractToolCalls::test_<id>
    (and ::test_empty_content_none)."""
    parsed = HyV3Parser().parse(text, tools=HY_TOOLS)
    assert calls(parsed) == want and parsed.content == content


def test_hy_values_typed_only_by_schema():
    text = (
        "<tool_calls><tool_call>get_weather<tool_sep><arg_key>days<"
        "/arg_key><arg_value>3</arg_value></tool_call></tool_calls>"
    )
    assert calls(HyV3Parser().parse(text)) == [("get_weather", {"days": "3"})]
    assert calls(HyV3Parser().parse(text, tools=HY_TOOLS)) == [("get_weather", {"days": 3})]


def test_hy_cut_off_call_keeps_its_complete_arguments():
    """A call cut off by the end of the text is kept with the arguments whose ``</arg_value>`` is in (a
    stream sent its name early); the cut-off value is left out, and a name without ``<tool_sep>`` is no
    call yet."""
    text = HY_MULTIPLE.replace(
        "<tool_call>get_current_date<tool_sep>\n</tool_call>\n</tool_calls>",
        "<tool_call>get_current_date<tool_sep>",
    )
    want = [("get_weather", {"city": "Beijing", "days": "3"}), ("get_current_date", {})]
    assert calls(HyV3Parser().parse(text)) == want
    cut = HY_ARGS[: HY_ARGS.index("2026-03")]
    assert calls(HyV3Parser().parse(cut)) == [("get_weather", {"city": "Beijing"})]
    assert HyV3Parser().parse(HY_ARGS[: HY_ARGS.index("<tool_sep>")]).tool_calls == []


@pytest.mark.parametrize("parser", [HunyuanA13BParser(), HyV3Parser()])
def test_stream_equals_parse(parser):
    for text in (A13B_SINGLE, A13B_PARALLEL, HY_ARGS, HY_MULTIPLE):
        assert_cuts_match_parse(parser, text, seed=5)


REGISTER = {
    "name": "John Doe",
    "age": 37,
    "address": {"city": "San Francisco", "state": "CA"},
    "role": None,
    "passed_test": True,
    "aliases": ["John", "Johnny"],
}
SF = {"city": "San Francisco", "metric": "celsius"}


def _block(*items):
    return "<tool_calls>" + json.dumps([{"name": n, "arguments": a} for n, a in items]) + "</tool_calls>"


@pytest.mark.parametrize(
    ("text", "want", "content"),
    [
        ("How can I help you today?", [], "How can I help you today?"),
        (_block(("get_weather", SF)), [("get_weather", SF)], None),
        (
            _block(("get_weather", SF), ("register_user", REGISTER)),
            [("get_weather", SF), ("register_user", REGISTER)],
            None,
        ),
        (
            "I will call the tool now. " + _block(("get_weather", {"city": "Boston"})),
            [("get_weather", {"city": "Boston"})],
            "I will call the tool now.",
        ),
        (
            _block(("get_weather", {"city": "Seattle"})) + "\nThank you!",
            [("get_weather", {"city": "Seattle"})],
            None,
        ),
        (
            _block(("complex_tool", {"level1": {"level2": {"level3": {"value": 123}}}})),
            [("complex_tool", {"level1": {"level2": {"level3": {"value": 123}}}})],
            None,
        ),
        (_block(("a", {}), ("b", {"x": 42})), [("a", {}), ("b", {"x": 42})], None),
        (_block(("a", {"x": 42}), ("b", {})), [("a", {"x": 42}), ("b", {})], None),
    ],
    ids=[
        "no_call",
        "single",
        "multiple",
        "content_before",
        "content_after",
        "nested",
        "empty_args_first",
        "empty_args_last",
    ],
)
def test_vllm_a13b_extract(text, want, content):
    """vLLM tests/tool_parsers/test_hunyuan_a13b_tool_parser.py::test_hunyuan_a13b_tool_parser_extract and
    ::test_hunyuan_a13b_tool_parser_streaming_one_empty_args_tool (vLLM keeps the content's trailing
    space)."""
    parsed = HunyuanA13BParser().parse(text)
    assert calls(parsed) == want and parsed.content == content


# vLLM ...test_hunyuan_a13b_tool_parser.py::test_hunyuan_a13b_tool_parser_non_ascii
def test_vllm_a13b_non_ascii():
    text = '<tool_calls>[{"name": "get_weather", "arguments": {"city": "北京"}}]</tool_calls>'
    args = HunyuanA13BParser().parse(text).tool_calls[0].function.arguments
    assert "北京" in args and "\\u" not in args
