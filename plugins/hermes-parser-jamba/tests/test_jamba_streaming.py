"""jamba streams a call as it is written: the name once its arguments object holds a key, the arguments
as they arrive, each call closed when its object ends (not at ``</tool_calls>``)."""

import json

from hermes_core.plugins import get_hermes
from hermes_testkit.parser_helpers import assert_cuts_match_parse, assert_streams_early
from hermes_testkit.parser_helpers import decoded_calls as calls

CODE = "".join(f"    line_{i} = 'value \\ \"{i}\" — ü'\n" for i in range(700))[:20_000]
ARGUMENTS = json.dumps({"path": "src/main.py", "content": CODE}, ensure_ascii=False)


def test_a_20kb_argument_streams_as_it_is_written():
    text = (
        f'Writing it.<tool_calls>[\n    {{"name": "write_file", "arguments": {ARGUMENTS}}},\n'
        '    {"name": "ls", "arguments": {}}\n]</tool_calls>'
    )
    parser = get_hermes().parser("jamba")
    assert parser.parse(text).tool_calls[0].function.arguments == ARGUMENTS  # passed through as written
    name_by = text.index('"src/main')
    sent = assert_streams_early(
        parser, text, name="write_file", name_by=name_by, end=text.index(ARGUMENTS) + len(ARGUMENTS) - 1
    )
    assert sent[0] == "{"  # the name before the first argument is complete
    assert_cuts_match_parse(parser, text, sizes=(64, 997), random_cuts=20, seed=1)


def test_a_call_that_began_is_never_taken_back():
    """vLLM voids the array for an element that is not a call or a missing end tag; a stream has sent
    the calls before it by then, so they are kept."""
    parser = get_hermes().parser("jamba")
    text = '<tool_calls>[{"name": "a", "arguments": {"x": 1}}, {"name": "b"}]</tool_calls>'
    assert calls(parser.parse(text)) == [("a", {"x": 1})]
    cut = '<tool_calls>[{"name": "a", "arguments": {"x": 1, "y": "tex'
    assert calls(parser.parse(cut)) == [("a", {"x": 1, "y": "tex"})]
    assert parser.parse('<tool_calls>[{"name": "a", "arguments": {').tool_calls == []  # no key yet
    assert_cuts_match_parse(parser, text, sizes=(1, 3), random_cuts=10, seed=2)
