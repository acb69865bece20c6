"""granite, granite-20b-fc and granite4 stream a call as it is written: the name once its arguments
object holds a key, the arguments as they arrive, each call closed when its object ends."""

import json

import pytest

from hermes_core.plugins import get_hermes
from hermes_testkit.parser_helpers import assert_cuts_match_parse, assert_streams_early
from hermes_testkit.parser_helpers import decoded_calls as calls

CODE = "".join(f"    line_{i} = 'value \\ \"{i}\" — ü'\n" for i in range(700))[:20_000]
ARGUMENTS = json.dumps({"path": "src/main.py", "content": CODE}, ensure_ascii=False)
WRITE = f'{{"name": "write_file", "arguments": {ARGUMENTS}}}'
LS = '{"name": "ls", "arguments": {}}'


@pytest.mark.parametrize(
    "name,text",
    [
        ("granite", f"<|tool_call|>[{WRITE}, {LS}]"),
        ("granite", f"[{WRITE}, {LS}]"),  # the bare array
        ("granite-20b-fc", f"Writing.\n<function_call> {WRITE}\n<function_call> {LS}"),
        ("granite4", f"Writing. <tool_call> {WRITE} </tool_call> <tool_call> {LS} </tool_call> Done."),
    ],
    ids=["granite", "granite_bare", "granite_20b_fc", "granite4"],
)
def test_a_20kb_argument_streams_as_it_is_written(name, text):
    parser = get_hermes().parser(name)
    parsed = parser.parse(text)
    assert [c.function.name for c in parsed.tool_calls] == ["write_file", "ls"]
    assert parsed.tool_calls[0].function.arguments == ARGUMENTS  # passed through as written
    name_by = text.index('"src/main')
    sent = assert_streams_early(
        parser, text, name="write_file", name_by=name_by, end=text.index(ARGUMENTS) + len(ARGUMENTS) - 1
    )
    assert sent[0] == "{"  # the name before the first argument is complete
    assert_cuts_match_parse(parser, text, sizes=(64, 997), random_cuts=20, seed=1)


@pytest.mark.parametrize(
    "name,text,expected",
    [
        ("granite", '<|tool_call|>[{"name": "a", "arguments": {"x": 1}}, {"name": "b"}]', [("a", {"x": 1})]),
        ("granite", '[{"name": "a", "arguments": {}}] and some prose', [("a", {})]),
        ("granite-20b-fc", '<function_call> {"name": "a", "arguments": {}} <function_call> [1]', [("a", {})]),
        (
            "granite-20b-fc",
            '<function_call> {"name": "a", "arguments": {"s": "<function_call> {}"}}',
            [("a", {"s": "<function_call> {}"})],
        ),
    ],
)
def test_a_call_that_began_is_never_taken_back(name, text, expected):
    """What vLLM voids as a whole (a later element or block that is not a call, prose after a bare array,
    the marker inside an argument) keeps the calls a stream has already sent."""
    assert calls(get_hermes().parser(name).parse(text)) == expected
    assert_cuts_match_parse(get_hermes().parser(name), text, sizes=(1, 3), random_cuts=10, seed=2)


@pytest.mark.parametrize("name", ["granite", "granite-20b-fc", "granite4"])
def test_a_cut_off_call_keeps_what_was_certain(name):
    head = {"granite": "<|tool_call|>[", "granite-20b-fc": "<function_call> ", "granite4": "<tool_call> "}[
        name
    ]
    text = head + '{"name": "a", "arguments": {"x": 1, "y": "tex'
    assert calls(get_hermes().parser(name).parse(text)) == [("a", {"x": 1, "y": "tex"})]
    before_a_key = head + '{"name": "a", "arguments": {'
    assert get_hermes().parser(name).parse(before_a_key).tool_calls == []  # vLLM's malformed case


def test_string_encoded_arguments_stream_as_written_inside_the_string():
    """vLLM's granite4 test writes the arguments as a JSON string holding the object
    (``create_complex_input(True)``): the object inside streams too, decoded as it comes (an escape or a
    surrogate pair cut in two is held back), and parse() gives that object as written."""
    inner = json.dumps({"path": "src/main.py", "content": CODE + " 😀"}, ensure_ascii=True)
    text = f'<tool_call> {{"name": "write_file", "arguments": {json.dumps(inner)}}} </tool_call>'
    parser = get_hermes().parser("granite4")
    assert parser.parse(text).tool_calls[0].function.arguments == inner
    name_by, end = text.index("path"), text.rindex("}") - 2
    assert assert_streams_early(parser, text, name="write_file", name_by=name_by, end=end)[0] == "{"
    assert_cuts_match_parse(parser, text, sizes=(997,), random_cuts=40, seed=3)
    cut = '<tool_call> {"name": "a", "arguments": "{\\"x\\": 1, \\"y\\": \\"t\\u00e9\\ud83d'
    assert calls(parser.parse(cut)) == [("a", {"x": 1, "y": "té"})]
    for text in ['<tool_call> {"name": "a", "arguments": "not json"} </tool_call>']:
        assert json.loads(parser.parse(text).tool_calls[0].function.arguments) == "not json"  # vLLM's dumps
