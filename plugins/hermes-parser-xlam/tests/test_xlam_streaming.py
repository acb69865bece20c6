"""xlam streams a call as it is written, in every wrapping: the name once its arguments object holds a
key, the arguments as they arrive, each call closed when its object ends."""

import json

import pytest

from hermes_core.plugins import get_hermes
from hermes_testkit.parser_helpers import assert_cuts_match_parse, assert_streams_early
from hermes_testkit.parser_helpers import decoded_calls as calls

CODE = "".join(f"    line_{i} = 'value \\ \"{i}\" — ü'\n" for i in range(700))[:20_000]
ARGUMENTS = json.dumps({"path": "src/main.py", "content": CODE}, ensure_ascii=False)
ARRAY = f'[{{"name": "write_file", "arguments": {ARGUMENTS}}}, {{"name": "ls", "arguments": {{}}}}]'


@pytest.mark.parametrize(
    "text,content",
    [
        (ARRAY, None),
        ("<think>Writing it.</think>" + ARRAY, "<think>Writing it.</think>"),
        ("Writing it.\n```json\n" + ARRAY + "\n```\nDone.", "Writing it.\nDone."),
        ("Writing it.[TOOL_CALLS]" + ARRAY, "Writing it."),
        ("Writing it.<tool_call>" + ARRAY + "</tool_call>", "Writing it."),
    ],
    ids=["bare", "think", "fence", "marker", "tags"],
)
def test_a_20kb_argument_streams_as_it_is_written(text, content):
    parser = get_hermes().parser("xlam")
    parsed = parser.parse(text)
    assert [c.function.name for c in parsed.tool_calls] == ["write_file", "ls"] and parsed.content == content
    assert parsed.tool_calls[0].function.arguments == ARGUMENTS  # passed through as written
    name_by = text.index('"src/main')
    sent = assert_streams_early(
        parser, text, name="write_file", name_by=name_by, end=text.index(ARGUMENTS) + len(ARGUMENTS) - 1
    )
    assert sent[0] == "{"  # the name before the first argument is complete
    assert_cuts_match_parse(parser, text, sizes=(64, 997), random_cuts=20, seed=1)


@pytest.mark.parametrize(
    "text,expected",
    [
        ('[{"name": "a", "arguments": {"x": 1, "y": "te', [("a", {"x": 1, "y": "te"})]),  # cut off
        ('<tool_call>[{"name": "a", "arguments": {}}] trailing</tool_call>', [("a", {})]),
        ('Options [1, 2] first.\n```json\n[{"name": "a", "arguments": {}}]\n```', [("a", {})]),
        ('```json\n[{"x": 1}]\n```\n<tool_call>[{"name": "b", "arguments": {}}]</tool_call>', [("b", {})]),
        (
            '<think>maybe [{"name": "no", "arguments": {}}]</think>[{"name": "a", "arguments": {}}]',
            [("a", {})],
        ),
    ],
)
def test_the_first_block_with_a_call_wins(text, expected):
    parser = get_hermes().parser("xlam")
    assert calls(parser.parse(text)) == expected
    assert_cuts_match_parse(parser, text, sizes=(1, 3), random_cuts=10, seed=2)
