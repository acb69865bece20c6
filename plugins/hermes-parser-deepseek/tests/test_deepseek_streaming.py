"""DeepSeek V3 / V3.1 calls stream as they are written: the header once the arguments object opens, the
arguments as they arrive, and a cut-off text (max_tokens) parses to what the stream has sent."""

import json

import pytest
from hermes_parser_deepseek.parser import CALL_BEGIN, CALL_END, CALLS_BEGIN, CALLS_END, SEP

from hermes_testkit.parser_helpers import assert_cuts_match_parse, assert_streams_early, fed_parts

CONTENT = "".join(f"    value_{i} = compute('x', {{\"k\": {i}}})  # line\n" for i in range(500))[:20_000]
ARGUMENTS = json.dumps({"path": "src/main.py", "content": CONTENT})
LAYOUTS = {
    "deepseek_v3": f"{CALL_BEGIN}function{SEP}write_file\n```json\n{ARGUMENTS}\n```{CALL_END}",
    "deepseek_v3_1": f"{CALL_BEGIN}write_file{SEP}{ARGUMENTS}{CALL_END}",
}


def _parser(name):
    from hermes_core.plugins import get_hermes

    return get_hermes().parser(name)


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_a_20kb_argument_streams_before_its_end_marker(name):
    parser = _parser(name)
    text = "I'll write it." + CALLS_BEGIN + LAYOUTS[name] + CALLS_END
    first_value_end = text.find('"src/main.py"') + len('"src/main.py"')
    assert parser.parse(text).tool_calls[0].function.arguments == ARGUMENTS
    assert_streams_early(parser, text, name="write_file", name_by=first_value_end, end=text.find(CALL_END))
    assert_cuts_match_parse(parser, text, sizes=(16, 333), random_cuts=20)


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_the_call_closes_at_its_end_marker_and_the_next_one_streams(name):
    parser = _parser(name)
    text = CALLS_BEGIN + LAYOUTS[name] + LAYOUTS[name].replace("write_file", "append_file") + CALLS_END
    second = text.find(CALL_BEGIN, text.find(CALL_END))
    stream = parser.stream()
    # the stream reads again once the text has grown by 1/16 of the open call: about 1.3 KB here
    parts = fed_parts(stream, text[: second + 3000])
    assert [(p.index, p.name) for p in parts if p.name] == [(0, "write_file"), (1, "append_file")]
    assert "".join(p.arguments or "" for p in parts if p.index == 0) == ARGUMENTS


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_every_prefix_parses_to_what_was_streamed(name):
    """Any prefix is a possible final text (max_tokens): parse() of it extends what the stream sent."""
    parser = _parser(name)
    text = CALLS_BEGIN + LAYOUTS[name].replace(ARGUMENTS, '{"city": "Zürich", "days": 12, "tags": ["a"]}')
    for cut in range(len(text) + 1):
        stream = parser.stream()
        sent = fed_parts(stream, text[:cut], size=1)
        calls = parser.parse(text[:cut]).tool_calls
        names = [p.name for p in sent if p.name]
        assert [c.function.name for c in calls][: len(names)] == names, text[:cut]
        arguments = "".join(p.arguments or "" for p in sent)
        if names:
            assert calls[0].function.arguments.startswith(arguments), (text[:cut], arguments)


def test_a_call_quoted_before_a_later_think_end_stays_a_call_once_streamed():
    """The stream sent it before ``</think>`` came: it is never turned into reasoning afterwards."""
    parser = _parser("deepseek_v3_1")
    call = f'{CALL_BEGIN}f{SEP}{{"a": 1}}{CALL_END}'
    text = CALLS_BEGIN + call + "</think>" + CALLS_BEGIN + call.replace("f", "g") + CALLS_END
    assert [c.function.name for c in parser.parse(text).tool_calls] == ["f", "g"]
    quoted = "<think>" + CALLS_BEGIN + call + "</think>" + CALLS_BEGIN + call.replace("f", "g") + CALLS_END
    assert [c.function.name for c in parser.parse(quoted).tool_calls] == ["g"]
    assert_cuts_match_parse(parser, text, sizes=(1, 5))


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_an_end_marker_inside_a_string_argument_does_not_cut_the_call(name):
    """The arguments are read from a slice up to the call end first (faster); a marker quoted inside a
    string makes that slice fail, and the object is read from the whole text instead."""
    parser = _parser(name)
    arguments = json.dumps({"note": f"the format ends with {CALL_END} then more", "n": 1})
    text = CALLS_BEGIN + LAYOUTS[name].replace(ARGUMENTS, arguments) + CALLS_END
    call = parser.parse(text).tool_calls[0]
    assert call.function.arguments == arguments
    assert_cuts_match_parse(parser, text, sizes=(1, 7))
