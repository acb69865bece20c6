"""Step-3 and Step-3.5 parsers: conformance and cases from vLLM's suites."""

import json

import pytest
from hermes_parser_step.step3 import Step3Parser
from hermes_parser_step.step3p5 import Step3p5Parser

from hermes_testkit.parser_helpers import (
    CODE_1KB,
    WEATHER_TOOL,
    assert_call_closes_at_its_end_marker,
    assert_cuts_match_parse,
    streamed_share,
    tool_definition,
)
from hermes_testkit.parser_helpers import decoded_calls as calls
from hermes_testkit.parsers import ParserConformance, ParserSample

B, E = "<｜tool_calls_begin｜>", "<｜tool_calls_end｜>"
CB, CE, SEP = "<｜tool_call_begin｜>", "<｜tool_call_end｜>", "<｜tool_sep｜>"


def invoke(name, **params):
    body = "".join(f'<steptml:parameter name="{k}">{v}</steptml:parameter>' for k, v in params.items())
    return f'{CB}function{SEP}<steptml:invoke name="{name}">{body}</steptml:invoke>{CE}'


STEP3_SINGLE = B + invoke("get_weather", city="Tokyo") + E
STEP3_PARALLEL = (
    "Let me check.\n\n"
    + B
    + invoke("get_weather", city="Tokyo")
    + invoke("get_time", timezone="Asia/Tokyo")
    + E
)
STEP3P5_SINGLE = (
    "<tool_call>\n<function=get_weather>\n<parameter=city>Paris</parameter>\n</function>\n</tool_call>"
)
STEP3P5_PARALLEL = (
    "I'll check both.\n<tool_call>\n<function=get_weather>\n<parameter=city>Paris</parameter>\n"
    "<parameter=days>3</parameter>\n</function>\n</tool_call>\n<tool_call>\n<function=get_time>\n"
    "<parameter=timezone>Europe/Paris</parameter>\n</function>\n</tool_call>"
)
TOOLS = [WEATHER_TOOL]
EDIT_TOOLS = [
    tool_definition(
        "edit_file",
        {
            "old_string": {"type": "string"},
            "indent": {"type": "integer"},
            "enabled": {"type": "boolean"},
        },
    )
]


class TestStep3Conformance(ParserConformance):
    parser_name = "step3"
    parameter_end = "</steptml:parameter>"
    samples = [
        ParserSample(STEP3_SINGLE, [("get_weather", {"city": "Tokyo"})]),
        ParserSample(
            STEP3_PARALLEL,
            [("get_weather", {"city": "Tokyo"}), ("get_time", {"timezone": "Asia/Tokyo"})],
            content="Let me check.",
        ),
    ]


class TestStep3p5Conformance(ParserConformance):
    parser_name = "step3p5"
    parameter_end = "</parameter>"
    samples = [
        ParserSample(STEP3P5_SINGLE, [("get_weather", {"city": "Paris"})]),
        ParserSample(
            STEP3P5_PARALLEL,
            [("get_weather", {"city": "Paris", "days": 3}), ("get_time", {"timezone": "Europe/Paris"})],
            content="I'll check both.",
            tools=TOOLS,
        ),
    ]


# vLLM tests/tool_parsers/test_step3_tool_parser.py::TestStep3ToolParser (common_tests config outputs)
def test_step3_common_outputs():
    parser = Step3Parser()
    assert parser.parse("This is a regular response without any tool calls.").tool_calls == []
    single = (
        B + CB + '<steptml:invoke name="get_weather"><steptml:parameter '
        'name="city">Tokyo</steptml:parameter></steptml:invoke>' + CE + E
    )
    assert calls(parser.parse(single)) == [
        ("get_weather", {"city": "Tokyo"})
    ]  # vLLM xfails: no "function<sep>"
    empty = B + CB + '<steptml:invoke name="refresh"></steptml:invoke>' + CE + E
    assert calls(parser.parse(empty)) == [("refresh", {})]
    surrounding = "Let me check the weather for you.\n\n" + single + "\n\nI'll get that information."
    parsed = parser.parse(surrounding)
    assert parsed.content == "Let me check the weather for you.\n\n\n\nI'll get that information."
    escaped = (
        B + invoke("f", quoted='He said "hello"', path="C:\\Users\\file.txt", newline="line1\nline2") + E
    )
    assert calls(parser.parse(escaped)) == [
        ("f", {"quoted": 'He said "hello"', "path": "C:\\Users\\file.txt", "newline": "line1\nline2"})
    ]
    # malformed_input_outputs: vLLM asks only that they do not raise. The first is cut off after the name:
    # the call stays (a stream sent its name); the second has no block
    assert calls(parser.parse(B + CB + '<steptml:invoke name="func">')) == [("func", {})]
    malformed = CB + '<steptml:invoke name="func"></steptml:invoke>' + CE
    assert parser.parse(malformed).tool_calls == [] and parser.parse(malformed).content == malformed


@pytest.mark.parametrize(
    "value", ["    if x:", "return 1\n", "    if x:\n        return 1\n", "hello ", "hello\u00a0", "hello"]
)
def test_step3_string_value_whitespace_preserved(value):
    """vLLM tests/tool_parsers/test_step3_tool_parser.py
    ::TestStep3ParameterWhitespace::test_string_value_preserved"""
    text = (
        f"{B}{CB}function{SEP}edit_file\n"
        '<steptml:invoke name="edit_file">'
        f'<steptml:parameter name="old_string">{value}</steptml:parameter>'
        '<steptml:parameter name="indent"> 4 </steptml:parameter>'
        '<steptml:parameter name="enabled"> true </steptml:parameter>'
        f"</steptml:invoke>{CE}{E}"
    )
    args = json.loads(Step3Parser().parse(text, tools=EDIT_TOOLS).tool_calls[0].function.arguments)
    assert args == {"old_string": value, "indent": 4, "enabled": True}


def test_step3_non_function_type_skipped():
    text = B + invoke("a").replace("function", "builtin", 1) + invoke("b") + E
    assert calls(Step3Parser().parse(text)) == [("b", {})]


def test_step3_cut_off_call_keeps_its_whole_parameters():
    text = "Sure." + B + invoke("a", x="1") + CB + "function" + SEP + '<steptml:invoke name="b">'
    text += '<steptml:parameter name="y">2</steptml:parameter><steptml:parameter name="z">3'
    parsed = Step3Parser().parse(text)
    assert calls(parsed) == [("a", {"x": "1"}), ("b", {"y": "2"})] and parsed.content == "Sure."
    assert Step3Parser().parse(B + CB + "function" + SEP + '<steptml:invoke name="b').tool_calls == []
    no_call_end = B + CB + "function" + SEP + '<steptml:invoke name="a">' + invoke("b") + E
    assert calls(Step3Parser().parse(no_call_end)) == [("a", {}), ("b", {})]


def test_step3_20kb_call_streams_parameter_by_parameter():
    """20 parameters of 1 KB: >= 90 % of the arguments go out before the call's end marker."""
    text = B + invoke("write_files", **{f"part_{i}": CODE_1KB for i in range(20)}) + E
    assert streamed_share(Step3Parser(), text, text.rindex(CE)) >= 0.9


def test_step3p5_typed_and_untyped_values():
    text = (
        "<tool_call><function=get_weather><parameter=city>\nParis\n</parameter><para"
        "meter=days>4</parameter><parameter=x>null</parameter></function></tool_call>"
    )
    assert calls(Step3p5Parser().parse(text)) == [("get_weather", {"city": "Paris", "days": "4", "x": None})]
    assert calls(Step3p5Parser().parse(text, tools=TOOLS)) == [
        ("get_weather", {"city": "Paris", "days": 4, "x": None})
    ]


def test_step3p5_bare_function_and_text_after_calls_is_content():
    """vLLM step3p5 ``_wrap_missing_tool_call_tags`` and its content_parts (text around calls)."""
    text = "Sure.\n<function=ping>\n<parameter=host>a</parameter>\n</function>\n</tool_call>\nDone."
    parsed = Step3p5Parser().parse(text)
    assert calls(parsed) == [("ping", {"host": "a"})]
    assert parsed.content == "Sure.\n\nDone."


def test_step3p5_cut_off_call_keeps_its_whole_parameters():
    """vLLM 0.34's Step-3.5 engine (qwen3 grammar, ``partial=False``; ``finish()`` ends the open call): a
    call cut off keeps the parameters that ended, the cut one left out."""
    text = STEP3P5_SINGLE + "\n<tool_call>\n<function=cut>\n<parameter=a>1</parameter>\n<parameter=b>2"
    parsed = Step3p5Parser().parse(text)
    assert calls(parsed) == [("get_weather", {"city": "Paris"}), ("cut", {"a": "1"})]
    assert parsed.content is None
    assert calls(Step3p5Parser().parse("Sure.\n<function=ping>\n<parameter=host>a")) == [("ping", {})]
    assert Step3p5Parser().parse("<tool_call>\n<function=pi").tool_calls == []


def test_step3p5_function_not_closed_in_its_block_ends_with_the_block():
    text = "<tool_call><function=a><parameter=x>1</parameter></tool_call>" + STEP3P5_SINGLE
    parsed = Step3p5Parser().parse(text)
    assert calls(parsed) == [("a", {"x": "1"}), ("get_weather", {"city": "Paris"})] and parsed.content is None
    nameless = "<tool_call><function=></function></tool_call>"
    parsed = Step3p5Parser().parse(nameless + STEP3P5_SINGLE)
    assert calls(parsed) == [("get_weather", {"city": "Paris"})] and parsed.content == nameless


def test_step3p5_repeated_parameter_keeps_both_in_order():
    text = "<function=f><parameter=a>1</parameter><parameter=a>2</parameter></function>"
    parsed = Step3p5Parser().parse(text)
    assert (
        calls(parsed) == [("f", {"a": "2"})]
        and parsed.tool_calls[0].function.arguments == '{"a": "1", "a": "2"}'
    )


def test_a_call_closes_once_its_end_marker_is_in():
    """The whole call, ``}`` included, goes out at the stream's next read after its end marker (it reads
    as the text grows by a sixteenth), not only when the next call begins or the stream ends."""
    for parser, call in ((Step3Parser(), STEP3_SINGLE), (Step3p5Parser(), STEP3P5_SINGLE)):
        assert_call_closes_at_its_end_marker(parser, call)


def test_step3p5_20kb_call_streams_parameter_by_parameter():
    """20 parameters of 1 KB: >= 90 % of the arguments go out before ``</function>``."""
    body = "".join(f"<parameter=part_{i}>\n{CODE_1KB}\n</parameter>\n" for i in range(20))
    text = f"I'll write them.\n<tool_call>\n<function=write_files>\n{body}</function>\n</tool_call>"
    assert streamed_share(Step3p5Parser(), text, text.rindex("</function>")) >= 0.9


@pytest.mark.parametrize("parser", [Step3Parser(), Step3p5Parser()])
def test_stream_equals_parse(parser):
    texts = (
        STEP3_SINGLE,
        STEP3_PARALLEL,
        STEP3P5_SINGLE,
        STEP3P5_PARALLEL,
        STEP3_PARALLEL + "\nAfter.",
        STEP3P5_PARALLEL + " tail",
    )
    for text in texts:
        assert_cuts_match_parse(parser, text, seed=4)


def test_step3_parameter_value_with_angle_bracket():
    """vLLM's test_step3_tool_parser.py ``test_parameter_value_with_angle_bracket``."""
    text = B + invoke("run_query", sql="SELECT * FROM t WHERE a < 5", html="<b>hi</b>") + E
    assert calls(Step3Parser().parse(text)) == [
        ("run_query", {"sql": "SELECT * FROM t WHERE a < 5", "html": "<b>hi</b>"})
    ]
    assert_cuts_match_parse(Step3Parser(), text, seed=4)


STEP3P5_MISSING_CLOSE = """Let me check the weather for you:
<tool_call>
<function=get_current_weather>
<parameter=city>
Dallas
<parameter=state>
TX
</parameter>
<parameter=unit>
fahrenheit
</parameter>
</function>
</tool_call>"""


def test_step3p5_missing_closing_parameter_tag_ends_at_the_next_parameter():
    """vLLM's test_step3p5_tool_parser.py ``test_extract_tool_calls_missing_closing_parameter_tag``."""
    parsed = Step3p5Parser().parse(STEP3P5_MISSING_CLOSE)
    assert calls(parsed) == [("get_current_weather", {"city": "Dallas", "state": "TX", "unit": "fahrenheit"})]
    assert parsed.content == "Let me check the weather for you:"
    assert_cuts_match_parse(Step3p5Parser(), STEP3P5_MISSING_CLOSE, seed=4)
