"""Kimi-K2 calls stream as they are written: the header (with the model's own id) once the arguments
object opens, the arguments as they arrive, and a cut-off text parses to what the stream has sent."""

import json

from hermes_parser_kimi.parser import ARGUMENT_BEGIN, CALL_BEGIN, CALL_END, SECTION_BEGIN, SECTION_END

from hermes_testkit.parser_helpers import (
    CODE_1KB,
    WEATHER_TOOL,
    assert_cuts_match_parse,
    assert_streams_early,
    fed_parts,
    tool_definition,
)

CONTENT = "".join(f"    value_{i} = compute('x', {{\"k\": {i}}})  # line\n" for i in range(500))[:20_000]
ARGUMENTS = json.dumps({"path": "src/main.py", "content": CONTENT})


def _parser(tools=None):
    from hermes_core.plugins import get_hermes

    return get_hermes().parser("kimi_k2", tools=tools)


def _call(call_id, arguments):
    return f"{CALL_BEGIN}{call_id}{ARGUMENT_BEGIN}{arguments}{CALL_END}"


def test_a_20kb_argument_streams_before_its_end_marker_with_the_models_id():
    parser = _parser()
    text = "I'll write it." + SECTION_BEGIN + _call("functions.write_file:0", ARGUMENTS) + SECTION_END
    first_value_end = text.find('"src/main.py"') + len('"src/main.py"')
    parts = fed_parts(parser.stream(), text[:first_value_end])
    assert [(p.id, p.name) for p in parts if p.name] == [("functions.write_file:0", "write_file")]
    assert parser.parse(text).tool_calls[0].function.arguments == ARGUMENTS
    assert_streams_early(parser, text, name="write_file", name_by=first_value_end, end=text.find(CALL_END))
    assert_cuts_match_parse(parser, text, sizes=(16, 333), random_cuts=20)


def test_every_prefix_parses_to_what_was_streamed():
    """Any prefix is a possible final text (max_tokens): parse() of it extends what the stream sent."""
    parser = _parser()
    text = SECTION_BEGIN + _call("functions.get_weather:0", '{"city": "Zürich", "days": 12, "tags": ["a"]}')
    for cut in range(len(text) + 1):
        sent = fed_parts(parser.stream(), text[:cut], size=1)
        calls = parser.parse(text[:cut]).tool_calls
        names = [p.name for p in sent if p.name]
        assert [c.function.name for c in calls][: len(names)] == names, text[:cut]
        if names:
            assert calls[0].function.arguments.startswith("".join(p.arguments or "" for p in sent))


def test_a_bare_counter_streams_when_the_request_has_one_tool_and_waits_when_several():
    text = SECTION_BEGIN + _call("0", '{"city": "Tokyo", "days": 3}') + SECTION_END
    cut = text.find("Tokyo")
    named = [p.name for p in fed_parts(_parser([WEATHER_TOOL]).stream(), text[:cut], size=1) if p.name]
    assert named == ["get_weather"]
    two = _parser([WEATHER_TOOL, tool_definition("read_file", {"path": {"type": "string"}})])
    assert not [p for p in fed_parts(two.stream(), text[:cut], size=1) if p.name]  # the arguments decide
    assert_cuts_match_parse(two, text, sizes=(1, 7))


def test_a_repeated_id_streams_with_a_fresh_one():
    text = SECTION_BEGIN + _call("functions.f:0", "{}") + _call("functions.f:0", '{"a": 1}') + SECTION_END
    parser = _parser()
    ids = [p.id for p in fed_parts(parser.stream(), text, size=1) if p.name]
    assert ids[0] == "functions.f:0" and ids[1] != ids[0]
    assert_cuts_match_parse(parser, text, sizes=(1, 5))


K3_CALL = '<|open|>call tool="{name}" index="1"<|sep|>{body}<|close|>call<|sep|>'
K3_ARGUMENT = '<|open|>argument key="{key}" type="{kind}"<|sep|>{value}<|close|>argument<|sep|>'


def _k3(*calls):
    return "Writing.<|close|>response<|sep|><|open|>tools<|sep|>" + "".join(calls) + "<|close|>tools<|sep|>"


def _k3_call(name, *arguments):
    body = "".join(K3_ARGUMENT.format(key=k, kind=t, value=v) for k, t, v in arguments)
    return K3_CALL.format(name=name, body=body)


def test_k3_a_20kb_call_of_20_arguments_streams_before_its_end_marker():
    from hermes_core.plugins import get_hermes

    parser = get_hermes().parser("kimi_k3")
    text = _k3(_k3_call("write_files", *[(f"part_{i}", "string", CODE_1KB) for i in range(20)]))
    assert_streams_early(parser, text, name="write_files", end=text.find("<|close|>call"))
    assert_cuts_match_parse(parser, text, sizes=(16, 997), random_cuts=20)


def test_k3_every_prefix_parses_to_what_was_streamed():
    from hermes_core.plugins import get_hermes

    parser = get_hermes().parser("kimi_k3")
    text = _k3(
        _k3_call("f", ("a", "string", "Zürich"), ("n", "number", "12"), ("a", "string", "again")),
        _k3_call("g", ("o", "object", '{"k": [1]}')),
    )
    for cut in range(len(text) + 1):
        sent = fed_parts(parser.stream(), text[:cut], size=1)
        calls = parser.parse(text[:cut]).tool_calls
        names = [p.name for p in sent if p.name]
        assert [c.function.name for c in calls][: len(names)] == names, text[:cut]
        for index, call in enumerate(calls[: len(names)]):
            streamed = "".join(p.arguments or "" for p in sent if p.index == index)
            assert call.function.arguments.startswith(streamed), (text[:cut], streamed)
    assert json.loads(parser.parse(text).tool_calls[0].function.arguments) == {"a": "again", "n": 12}


def test_an_end_marker_inside_a_string_argument_does_not_cut_the_call():
    """Arguments are read from a slice up to the call end first (faster); a quoted end marker makes that
    slice fail, and the object is read from the whole text instead."""
    arguments = json.dumps({"note": f"ends with {CALL_END} then more", "n": 1}, ensure_ascii=False)
    text = SECTION_BEGIN + _call("functions.f:0", arguments) + _call("functions.g:1", "{}") + SECTION_END
    parser = _parser()
    assert [(c.function.name, c.function.arguments) for c in parser.parse(text).tool_calls] == [
        ("f", arguments),
        ("g", "{}"),
    ]
    assert_cuts_match_parse(parser, text, sizes=(1, 7))


def test_a_bare_block_before_a_section_marker_stays_a_call():
    """The stream sends a bare block's call before any section marker is written: a section marker that
    comes later does not turn it into content."""
    text = _call("functions.f:0", '{"a": 1}') + SECTION_BEGIN + _call("functions.g:1", "{}") + SECTION_END
    parser = _parser()
    assert [c.function.name for c in parser.parse(text).tool_calls] == ["f", "g"]
    assert_cuts_match_parse(parser, text, sizes=(1, 7))
