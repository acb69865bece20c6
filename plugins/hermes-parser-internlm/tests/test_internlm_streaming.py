"""internlm streams a call as it is written: the name once its arguments object holds a key (and the
name is among the tools, when given), the arguments as they arrive, the call closed when its object
ends (not at ``<|action_end|>``)."""

import json

from hermes_core.plugins import get_hermes
from hermes_testkit.parser_helpers import (
    WEATHER_TOOL,
    assert_cuts_match_parse,
    assert_streams_early,
    stream_until,
    tool_definition,
)
from hermes_testkit.parser_helpers import decoded_calls as calls

CODE = "".join(f"    line_{i} = 'value \\ \"{i}\" — ü'\n" for i in range(700))[:20_000]
ARGUMENTS = json.dumps({"path": "src/main.py", "content": CODE}, ensure_ascii=False)
WRITE = f'<|action_start|><|plugin|>{{"name": "write_file", "parameters": {ARGUMENTS}}}<|action_end|>'


def test_a_20kb_argument_streams_as_it_is_written():
    text = "Writing it. " + WRITE
    parser = get_hermes().parser("internlm")
    assert parser.parse(text).tool_calls[0].function.arguments == ARGUMENTS  # passed through as written
    name_by = text.index('"src/main')
    sent = assert_streams_early(
        parser, text, name="write_file", name_by=name_by, end=text.index(ARGUMENTS) + len(ARGUMENTS) - 1
    )
    assert sent[0] == "{"  # the name before the first argument is complete
    assert_cuts_match_parse(parser, text, sizes=(64, 997), random_cuts=20, seed=1)


def test_a_name_outside_the_tools_is_never_streamed():
    text = WRITE + '<|action_start|><|plugin|>{"name": "get_weather", "parameters": {"city": "Oslo"}}'
    tools = [WEATHER_TOOL]
    parser = get_hermes().parser("internlm", tools=tools)
    assert calls(parser.parse(text)) == [("get_weather", {"city": "Oslo"})]
    ((names, _),), _ = stream_until(parser, text, [text.index("<|action_end|>")])
    assert names == []
    assert_cuts_match_parse(parser, text, sizes=(997,), random_cuts=10, seed=2)
    with_write = get_hermes().parser("internlm", tools=[*tools, tool_definition("write_file", {})])
    ((names, _),), _ = stream_until(with_write, text, [text.index("<|action_end|>")])
    assert names == ["write_file"]


def test_a_cut_off_call_keeps_what_was_certain():
    parser = get_hermes().parser("internlm")
    assert calls(parser.parse('<|action_start|><|plugin|>{"name": "a", "parameters": {"x": 1, "y": "te')) == [
        ("a", {"x": 1, "y": "te"})
    ]
