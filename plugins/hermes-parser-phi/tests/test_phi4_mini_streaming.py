"""phi4_mini_json streams a call as it is written: the name once its arguments object holds a key, the
arguments as they arrive, each call closed when its object ends (not at the array's ``]``)."""

import json

from hermes_core.plugins import get_hermes
from hermes_testkit.parser_helpers import assert_cuts_match_parse, assert_streams_early
from hermes_testkit.parser_helpers import decoded_calls as calls

CODE = "".join(f"    line_{i} = 'value \\ \"{i}\" — ü'\n" for i in range(700))[:20_000]
ARGUMENTS = json.dumps({"path": "src/main.py", "content": CODE}, ensure_ascii=False)


def test_a_20kb_argument_streams_as_it_is_written():
    text = (
        f'functools[{{"name": "write_file", "arguments": {ARGUMENTS}}}, {{"name": "ls", "parameters": {{}}}}]'
    )
    parser = get_hermes().parser("phi4_mini_json")
    assert parser.parse(text).tool_calls[0].function.arguments == ARGUMENTS  # passed through as written
    name_by = text.index('"src/main')
    sent = assert_streams_early(
        parser, text, name="write_file", name_by=name_by, end=text.index(ARGUMENTS) + len(ARGUMENTS) - 1
    )
    assert sent[0] == "{"  # the name before the first argument is complete
    assert_cuts_match_parse(parser, text, sizes=(64, 997), random_cuts=20, seed=1)


def test_a_call_that_began_is_never_taken_back():
    """vLLM voids the array for an element that is not a call; a stream has sent the calls before it."""
    parser = get_hermes().parser("phi4_mini_json")
    text = 'functools[{"name": "a", "arguments": {"x": 1}}, {"name": "b", "arguments": "not a dict"}]'
    assert calls(parser.parse(text)) == [("a", {"x": 1})]
    cut = 'functools[{"name": "a", "parameters": {"x": 1, "y": "tex'
    assert calls(parser.parse(cut)) == [("a", {"x": 1, "y": "tex"})]
    assert_cuts_match_parse(parser, text, sizes=(1, 3), random_cuts=10, seed=2)
