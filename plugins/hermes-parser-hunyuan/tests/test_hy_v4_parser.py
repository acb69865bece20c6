"""HY v4: conformance and the cases of vLLM 0.34's tests/tool_parsers/test_hy_v4_tool_parser.py."""

import pytest
from hermes_parser_hunyuan.hy_v4 import HyV4Parser

from hermes_testkit.parser_helpers import assert_cuts_match_parse, tool_definition
from hermes_testkit.parser_helpers import decoded_calls as calls
from hermes_testkit.parsers import ParserConformance, ParserSample


def section(calls_: list[tuple[str, list[tuple[str, str]]]], suffix: str = "") -> str:
    body = "".join(
        f"<tool_call{suffix}>{name}"
        + "".join(
            f"<arg_key{suffix}>{k}</arg_key{suffix}><arg_value{suffix}>{v}</arg_value{suffix}>"
            for k, v in pairs
        )
        + f"</tool_call{suffix}>"
        for name, pairs in calls_
    )
    return f"<tool_calls{suffix}>{body}</tool_calls{suffix}>"


WEATHER = section([("get_weather", [("city", "Beijing"), ("days", "3")])])
TOOLS = [tool_definition("get_weather", {"city": {"type": "string"}, "days": {"type": "integer"}})]


class TestHyV4Conformance(ParserConformance):
    parser_name = "hy_v4"
    samples = [
        ParserSample(WEATHER, [("get_weather", {"city": "Beijing", "days": 3})]),
        ParserSample(
            "Checking. " + WEATHER, [("get_weather", {"city": "Beijing", "days": 3})], content="Checking."
        ),
        ParserSample(
            section([("get_weather", [("city", "Beijing")]), ("get_current_date", [])], ":6124c78e"),
            [("get_weather", {"city": "Beijing"}), ("get_current_date", {})],
        ),
    ]


@pytest.fixture(params=["", ":6124c78e"], ids=["unsuffixed", "suffixed"])
def suffix(request):
    return request.param


@pytest.mark.parametrize("key", [" count ", "\tcount\n", " \t "])
@pytest.mark.parametrize(
    ("value_type", "raw", "value"),
    [
        ("string", '  a"b\\c  ', '  a"b\\c  '),
        ("integer", "7", 7),
        ("number", "1.5", 1.5),
        ("boolean", "true", True),
        ("array", "[1, 2]", [1, 2]),
        ("object", '{"x": 1}', {"x": 1}),
        ("null", "null", None),
    ],
)
def test_whitespace_argument_name_preserves_value_type(suffix, key, value_type, raw, value):
    tools = [tool_definition("record", {key: {"type": value_type}})]
    text = section([("record", [(key, raw)])], suffix)
    assert calls(HyV4Parser(tools=tools).parse(text)) == [("record", {key: value})]
    assert_cuts_match_parse(HyV4Parser(tools=tools), text, seed=3)


@pytest.mark.parametrize("padded_type", ["integer", "string"])
def test_whitespace_distinguishes_argument_names(suffix, padded_type):
    properties = {
        "count": {"type": "string" if padded_type == "integer" else "integer"},
        " count ": {"type": padded_type},
    }
    values = ["2", 7] if padded_type == "integer" else [2, "7"]
    text = section([("record", [("count", "2"), (" count ", "7")])], suffix)
    parsed = HyV4Parser(tools=[tool_definition("record", properties)]).parse(text)
    assert calls(parsed) == [("record", {"count": values[0], " count ": values[1]})]


def test_whitespace_argument_state_resets_between_calls(suffix):
    tools = [tool_definition("record", {" count ": {"type": "integer"}, " label ": {"type": "string"}})]
    text = section(
        [
            ("record", [(" count ", "7"), (" label ", "first")]),
            ("record", [(" count ", "9")]),
            ("record", [(" label ", "last")]),
        ],
        suffix,
    )
    assert calls(HyV4Parser(tools=tools).parse(text)) == [
        ("record", {" count ": 7, " label ": "first"}),
        ("record", {" count ": 9}),
        ("record", {" label ": "last"}),
    ]


def test_untyped_values_and_a_cut_off_call():
    text = section([("f", [("n", "3"), ("flag", "true"), ("word", "hello")])])
    assert calls(HyV4Parser().parse(text)) == [("f", {"n": 3, "flag": True, "word": "hello"})]
    cut = text[: text.index("</tool_call>")]
    assert HyV4Parser().parse(cut).tool_calls == []
