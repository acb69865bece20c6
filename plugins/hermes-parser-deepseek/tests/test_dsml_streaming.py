"""DeepSeek-V3.2 / V4 DSML calls stream parameter by parameter (open_calls_view): the name once the invoke
tag closes, each parameter, typed, once it closes; any prefix parses to what the stream has sent."""

import json

import pytest
from hermes_parser_deepseek.dsml import DeepSeekV4Parser, DeepSeekV32Parser

from hermes_testkit.parser_helpers import (
    CODE_1KB,
    WEATHER_TOOL,
    assert_cuts_match_parse,
    assert_streams_early,
    fed_parts,
    tool_definition,
)

INVOKE = '<｜DSML｜invoke name="{name}">\n'
PARAMETER = '<｜DSML｜parameter name="{key}" string="{string}">{value}</｜DSML｜parameter>\n'
INVOKE_END = "</｜DSML｜invoke>\n"
PARSERS = [DeepSeekV32Parser, DeepSeekV4Parser]


def _text(parser, *invokes):
    block = parser.start_markers[0]
    return "I'll do it.\n\n" + block + "\n" + "".join(invokes) + "</" + block[1:]


def _invoke(name, *parameters):
    body = "".join(PARAMETER.format(key=k, string=s, value=v) for k, s, v in parameters)
    return INVOKE.format(name=name) + body + INVOKE_END


@pytest.mark.parametrize("cls", PARSERS)
def test_a_20kb_call_of_20_parameters_streams_before_its_end_marker(cls):
    parser = cls()
    text = _text(parser, _invoke("write_files", *[(f"part_{i}", "true", CODE_1KB) for i in range(20)]))
    assert_streams_early(parser, text, name="write_files", end=text.find(INVOKE_END))
    assert_cuts_match_parse(parser, text, sizes=(16, 997), random_cuts=20)


@pytest.mark.parametrize("cls", PARSERS)
def test_every_prefix_parses_to_what_was_streamed(cls):
    """Any prefix is a possible final text (max_tokens): parse() of it extends what the stream sent."""
    parser = cls([WEATHER_TOOL])
    text = _text(
        parser,
        _invoke("get_weather", ("city", "true", "Zürich"), ("days", "false", "12")),
        _invoke("get_weather", ("city", "true", "Kraków")),
    )
    for cut in range(len(text) + 1):
        sent = fed_parts(parser.stream(), text[:cut], size=1)
        calls = parser.parse(text[:cut]).tool_calls
        names = [p.name for p in sent if p.name]
        assert [c.function.name for c in calls][: len(names)] == names, text[:cut]
        for index, call in enumerate(calls[: len(names)]):
            streamed = "".join(p.arguments or "" for p in sent if p.index == index)
            assert call.function.arguments.startswith(streamed), (text[:cut], streamed)


def test_a_lone_wrapper_parameter_is_held_until_the_invoke_shows_it_alone():
    """vLLM's wrapper repair unwraps a lone ``arguments`` parameter: a second parameter would undo it, so
    the stream sends nothing of it before the call is whole."""
    parser = DeepSeekV32Parser([tool_definition("get_weather", {"location": {"type": "string"}})])
    wrapped = ("arguments", "false", '{"location": "Beijing"}')
    for invoke, want in (
        (_invoke("get_weather", wrapped), {"location": "Beijing"}),
        (
            _invoke("get_weather", wrapped, ("unit", "true", "c")),
            {"arguments": {"location": "Beijing"}, "unit": "c"},
        ),
    ):
        text = _text(parser, invoke)
        assert json.loads(parser.parse(text).tool_calls[0].function.arguments) == want
        assert_cuts_match_parse(parser, text, sizes=(1, 9), random_cuts=20)


def test_a_parameter_written_twice_keeps_both_so_nothing_sent_is_taken_back():
    parser = DeepSeekV4Parser()
    text = _text(parser, _invoke("f", ("a", "true", "1"), ("b", "true", "2"), ("a", "true", "3")))
    call = parser.parse(text).tool_calls[0]
    assert call.function.arguments == '{"a": "1", "b": "2", "a": "3"}'
    assert json.loads(call.function.arguments) == {"a": "3", "b": "2"}  # vLLM's dict
    assert_cuts_match_parse(parser, text, sizes=(1, 5))


def test_a_call_after_a_fenced_example_and_a_later_think_end_stream_as_parse_reads_them():
    parser = DeepSeekV4Parser()
    call = _text(parser, _invoke("f", ("a", "true", "1")))
    text = "```\n" + call + "\n```\nNow for real:" + call + "</think>" + call.replace('"f"', '"g"')
    assert [c.function.name for c in parser.parse(text).tool_calls] == ["f", "g"]
    assert_cuts_match_parse(parser, text, sizes=(1, 7))
