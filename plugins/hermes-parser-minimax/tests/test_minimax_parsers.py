"""MiniMax-M2 and MiniMax-M1 parsers: conformance and cases from vLLM's suites."""

import pytest
from hermes_parser_minimax.m1 import MinimaxM1Parser
from hermes_parser_minimax.m2 import MinimaxM2Parser

from hermes_testkit.parser_helpers import (
    CODE_1KB,
    assert_call_closes_at_its_end_marker,
    assert_cuts_match_parse,
    assert_streams_early,
)
from hermes_testkit.parser_helpers import decoded_calls as calls
from hermes_testkit.parser_helpers import tool_definition as tool
from hermes_testkit.parsers import ParserConformance, ParserSample

M2_PARALLEL = (
    "<think>The user wants weather and a stock price.</think>\n"
    "I'll look both up.\n"
    "<minimax:tool_call>\n"
    '<invoke name="get_weather">\n<parameter name="city">Seattle</parameter>\n'
    '<parameter name="days">5</parameter>\n</invoke>\n'
    '<invoke name="get_stock">\n<parameter name="ticker">AAPL</parameter>\n</invoke>\n'
    "</minimax:tool_call>"
)
M2_TYPED = (
    "<minimax:tool_call>\n"
    '<invoke name="update_settings">\n'
    '<parameter name="config">{"theme": "dark", "fontSize": 14}</parameter>\n'
    '<parameter name="retries">3</parameter>\n'
    '<parameter name="nickname">null</parameter>\n'
    "</invoke>\n</minimax:tool_call>"
)
M1_SINGLE = (
    "Let me help you with the weather. <tool_calls>\n"
    '{"name": "get_current_weather", "arguments": {"city": "Miami", "state": "FL", "unit": "fahrenheit"}}\n'
    "</tool_calls>"
)
M1_PARALLEL = (
    "<tool_calls>\n"
    '{"name": "get_current_weather", "arguments": {"city": "Dallas", "state": "TX", "unit": "fahrenheit"}}\n'
    '{"name": "get_current_weather", "arguments": {"city": "Orlando", "state": "FL", "unit": "fahrenheit"}}\n'
    "</tool_calls>"
)


SETTINGS = [
    tool(
        "update_settings",
        {
            "config": {"anyOf": [{"type": "object"}, {"type": "null"}]},
            "retries": {"type": "integer"},
            "nickname": {"anyOf": [{"type": "string"}, {"type": "null"}]},
        },
    )
]


class TestMinimaxM2Conformance(ParserConformance):
    parser_name = "minimax_m2"
    parameter_end = "</parameter>"
    samples = [
        ParserSample(
            M2_PARALLEL,
            [("get_weather", {"city": "Seattle", "days": "5"}), ("get_stock", {"ticker": "AAPL"})],
            content="<think>The user wants weather and a stock price.</think>\nI'll look both up.",
        ),
        ParserSample(
            M2_TYPED,
            [
                (
                    "update_settings",
                    {"config": {"theme": "dark", "fontSize": 14}, "retries": 3, "nickname": None},
                )
            ],
            tools=SETTINGS,
        ),
    ]


class TestMinimaxM1Conformance(ParserConformance):
    parser_name = "minimax"
    samples = [
        ParserSample(
            M1_SINGLE,
            [("get_current_weather", {"city": "Miami", "state": "FL", "unit": "fahrenheit"})],
            content="Let me help you with the weather.",
        ),
        ParserSample(
            M1_PARALLEL,
            [
                ("get_current_weather", {"city": "Dallas", "state": "TX", "unit": "fahrenheit"}),
                ("get_current_weather", {"city": "Orlando", "state": "FL", "unit": "fahrenheit"}),
            ],
        ),
    ]


def m2(body):
    return f"<minimax:tool_call>{body}</minimax:tool_call>"


# vLLM tests/tool_parsers/test_minimax_m2_tool_parser.py::TestContentStreaming::test_content_before_tool_call
def test_m2_content_before_call():
    text = "Let me check. " + m2(
        '<invoke name="get_weather"><parameter name="city">Seattle</parameter></invoke>'
    )
    parsed = MinimaxM2Parser().parse(text)
    assert parsed.content == "Let me check." and calls(parsed) == [("get_weather", {"city": "Seattle"})]


# vLLM ...test_minimax_m2_tool_parser.py::TestSingleInvoke::test_multiple_params (no schema: values stay text)
def test_m2_values_without_schema_stay_text():
    text = m2(
        '<invoke name="get_weather"><parameter name="city">Seattle'
        '</parameter><parameter name="days">5</parameter></invoke>'
    )
    assert calls(MinimaxM2Parser().parse(text)) == [("get_weather", {"city": "Seattle", "days": "5"})]


# vLLM ...::TestMultipleInvokes::test_two_invokes_in_single_delta / test_different_functions
def test_m2_multiple_invokes():
    text = m2(
        '<invoke name="fn_a"><parameter name="x">1</parameter></invoke>'
        '<invoke name="fn_b"><parameter name="y">2</parameter></invoke>'
    )
    assert calls(MinimaxM2Parser().parse(text)) == [("fn_a", {"x": "1"}), ("fn_b", {"y": "2"})]


@pytest.mark.parametrize(
    ("value", "want"),
    [
        ("Alice", "Alice"),  # ::TestAnyOfNullableParam::test_anyof_nullable_param_non_null_value
        ("null", None),  # ::test_anyof_nullable_param_null_value
    ],
)
def test_m2_anyof_nullable_string(value, want):
    tools = [tool("update_profile", {"nickname": {"anyOf": [{"type": "string"}, {"type": "null"}]}})]
    text = m2(f'<invoke name="update_profile"><parameter name="nickname">{value}</parameter></invoke>')
    assert calls(MinimaxM2Parser().parse(text, tools=tools)) == [("update_profile", {"nickname": want})]


# vLLM ...::TestAnyOfNullableParam::test_anyof_nullable_param_object_value
def test_m2_anyof_nullable_object():
    text = m2(
        '<invoke name="update_settings"><parameter name="config"'
        '>{"theme": "dark", "fontSize": 14}</parameter></invoke>'
    )
    assert calls(MinimaxM2Parser().parse(text, tools=SETTINGS)) == [
        ("update_settings", {"config": {"theme": "dark", "fontSize": 14}})
    ]


def test_m2_single_quoted_names_and_multiline_values():
    text = m2("<invoke name='write'>\n<parameter name='code'>\nprint('x')\n</parameter>\n</invoke>")
    # verbatim, newlines included, as vLLM 0.34 keeps it
    # (parser/minimax_m2.py: "surrounding whitespace is data")
    assert calls(MinimaxM2Parser().parse(text)) == [("write", {"code": "\nprint('x')\n"})]


def test_m2_cut_off_invoke_keeps_its_whole_parameters():
    """vLLM 0.34's MiniMax-M2 engine (``_minimax_m2_parse_args(raw, partial=False)``, ``finish()`` ends the
    open call): a cut-off invoke keeps the parameters that ended, the cut one left out."""
    text = (
        m2('<invoke name="a"></invoke>')[: -len("</minimax:tool_call>")]
        + '<invoke name="b"><parameter name="x">1</parameter><parameter name="y">2'
    )
    assert calls(MinimaxM2Parser().parse(text)) == [("a", {}), ("b", {"x": "1"})]
    assert calls(MinimaxM2Parser().parse(m2('<invoke name="c"><parameter name="x">1'))) == [("c", {})]
    assert MinimaxM2Parser().parse('<minimax:tool_call><invoke name="c').tool_calls == []


def test_m2_repeated_parameter_keeps_both_in_order():
    parsed = MinimaxM2Parser().parse(
        m2('<invoke name="f"><parameter name="a">1</parameter><parameter name="a">2</parameter></invoke>')
    )
    assert calls(parsed) == [("f", {"a": "2"})]
    assert parsed.tool_calls[0].function.arguments == '{"a": "1", "a": "2"}'


def test_m2_a_call_that_began_is_not_taken_back_by_a_later_think_end():
    """The ``<think>`` in the prompt: a block whose invoke was named before ``</think>`` is a call; one
    quoted inside an explicit ``<think>`` block is reasoning."""
    first, later = m2('<invoke name="a"></invoke>'), m2('<invoke name="b"></invoke>')
    assert calls(MinimaxM2Parser().parse(first + "</think>" + later)) == [("a", {}), ("b", {})]
    parsed = MinimaxM2Parser().parse("<think>quoting " + first + "</think>Sure." + later)
    assert calls(parsed) == [("b", {})] and parsed.content == "<think>quoting " + first + "</think>Sure."
    assert calls(MinimaxM2Parser().parse("<minimax:tool_call><inv</think>" + later)) == [("b", {})]
    # a block quoted in reasoning is not sent while no call follows: a later one would void it
    text = "<think>x" + first + "<think>y</think>" + later
    assert calls(MinimaxM2Parser().parse(text)) == [("b", {})]
    assert calls(MinimaxM2Parser().parse(text[: text.index("</think>") + 8])) == [("a", {})]
    assert_cuts_match_parse(MinimaxM2Parser(), text, seed=5)


def test_m2_a_call_closes_once_its_end_marker_is_in():
    """The whole call, ``}`` included, goes out at the stream's next read after ``</invoke>`` (it reads as
    the text grows by a sixteenth), not only when the next call begins or the stream ends."""
    assert_call_closes_at_its_end_marker(MinimaxM2Parser(tools=SETTINGS), M2_TYPED)


def test_m2_20kb_call_streams_parameter_by_parameter():
    """20 parameters of 1 KB: >= 90 % of the arguments go out before ``</invoke>``, the name at once."""
    body = "".join(f'<parameter name="part_{i}">{CODE_1KB}</parameter>\n' for i in range(20))
    text = "I'll write them.\n" + m2(f'<invoke name="write_files">\n{body}</invoke>')
    name_by = text.index("<parameter")
    assert_streams_early(
        MinimaxM2Parser(), text, name="write_files", name_by=name_by, end=text.rindex("</invoke>")
    )


# vLLM tests/tool_parsers/test_minimax_tool_parser.py::test_extract_tool_calls_with_thinking_tags
def test_m1_calls_inside_thinking_ignored():
    text = (
        "<think>I should use a tool. <tool_calls>\n"
        '{"name": "ignored_tool", "arguments": {"should": "ignore"}}\n</tool_calls></think>\n\n' + M1_SINGLE
    )
    parsed = MinimaxM1Parser().parse(text)
    assert calls(parsed) == [("get_current_weather", {"city": "Miami", "state": "FL", "unit": "fahrenheit"})]
    assert parsed.content.endswith("Let me help you with the weather.")


# vLLM ...test_minimax_tool_parser.py::test_extract_tool_calls_multiline_json_not_supported
def test_m1_multiline_json_not_a_call():
    text = '<tool_calls>\n{\n  "name": "f",\n  "arguments": {"a": 1}\n}\n</tool_calls>'
    parsed = MinimaxM1Parser().parse(text)
    assert parsed.tool_calls == [] and parsed.content == text


def test_m1_unclosed_block_and_lines_without_arguments():
    text = (
        '<tool_calls>\n{"name": "a", "arguments": {}}\n{"nam'
        'e": "no_args"}\n{"name": "b", "arguments": {"x": 1}}'
    )
    assert calls(MinimaxM1Parser().parse(text)) == [("a", {}), ("b", {"x": 1})]


def test_m1_cut_off_call_keeps_its_arguments_to_the_last_commit_point():
    """A name-first line is a call once its head is in; cut off, its object closes at its last commit
    point (what a stream sent), so parse() of any prefix extends what the stream sent."""
    head = '<tool_calls>\n{"name": "a", "arguments": {"x": 1, "text": "Zürich'
    assert calls(MinimaxM1Parser().parse(head)) == [("a", {"x": 1, "text": "Zürich"})]
    assert calls(MinimaxM1Parser().parse(head + '", "n": 12')) == [("a", {"x": 1, "text": "Zürich"})]
    assert calls(MinimaxM1Parser().parse('<tool_calls>\n{"name": "a", "argu')) == []
    # the rest of a line after its object is not part of the call
    assert calls(MinimaxM1Parser().parse('<tool_calls>\n{"name": "a", "arguments": {}} junk\n')) == [
        ("a", {})
    ]
    # an end tag inside a string ends the block: the stream held back its first characters
    text = '<tool_calls>\n{"name": "a", "arguments": {"s": "x</tool_calls>y"}}'
    assert calls(MinimaxM1Parser().parse(text)) == [("a", {"s": "x"})]
    assert_cuts_match_parse(MinimaxM1Parser(), text, seed=2)


def test_m1_20kb_argument_streams_as_it_is_written():
    """A 20 KB argument: the name at once, >= 90 % of the arguments before ``</tool_calls>``."""
    value = "lorem ipsum dolor sit amet " * 760
    text = (
        '<tool_calls>\n{"name": "write_file", "arguments": {"path": "a.txt", "content": "' + value + '"}}\n'
    )
    text += "</tool_calls>"
    name_by = text.index('"a.txt"')
    assert_streams_early(
        MinimaxM1Parser(), text, name="write_file", name_by=name_by, end=text.rindex("</tool_calls>")
    )


@pytest.mark.parametrize("parser", [MinimaxM2Parser(), MinimaxM1Parser()])
def test_stream_equals_parse(parser):
    for text in (M2_PARALLEL, M2_TYPED, M1_SINGLE, M1_PARALLEL):
        assert_cuts_match_parse(parser, text, seed=1)


# vLLM 0.34's test_minimax_m2_tool_parser.py: TestNoneStringPreserved (vLLM issue #39567) and
# TestParameterWhitespace
def _one(body, tools=None):
    return calls(
        MinimaxM2Parser(tools=tools).parse(
            f'<minimax:tool_call><invoke name="f">{body}</invoke></minimax:tool_call>'
        )
    )


def test_none_string_preserved_in_enum():
    enum = [tool("f", {"theme": {"type": "string", "enum": ["dark", "light", "none"]}})]
    assert _one('<parameter name="theme">none</parameter>', enum) == [("f", {"theme": "none"})]


def test_none_and_nil_strings_preserved_plain_string():
    string = [tool("f", {"message": {"type": "string"}})]
    assert _one('<parameter name="message">none</parameter>', string) == [("f", {"message": "none"})]
    assert _one('<parameter name="message">nil</parameter>', string) == [("f", {"message": "nil"})]
    assert _one('<parameter name="message">nil</parameter>') == [("f", {"message": "nil"})]


def test_null_still_converts_to_none():
    nullable = [tool("f", {"nickname": {"anyOf": [{"type": "string"}, {"type": "null"}]}})]
    assert _one('<parameter name="nickname">null</parameter>', nullable) == [("f", {"nickname": None})]


def test_whitespace_preserved():
    assert _one('<parameter name="msg"> hi </parameter>') == [("f", {"msg": " hi "})]
    code = "    def foo():\n        return 1\n"
    assert _one(f'<parameter name="content">{code}</parameter>') == [("f", {"content": code})]


def test_typed_values_are_read_stripped():
    typed = [tool("f", {"days": {"type": "integer"}})]
    assert _one('<parameter name="days"> 5 </parameter>', typed) == [("f", {"days": 5})]


def test_missing_close_tag_ends_at_the_next_parameter():
    body = '<parameter name="a">1<parameter name="b">2</parameter>'
    assert _one(body) == [("f", {"a": "1", "b": "2"})]
