"""mistral streams both layouts as written: the name once the arguments object holds a key, the
arguments as they arrive, each call closed when its object ends (not when the text ends)."""

import json

import pytest
from hermes_parser_mistral.parser import MistralParser

from hermes_testkit.parser_helpers import assert_cuts_match_parse, assert_streams_early

CODE = "".join(f"    line_{i} = 'value \\ \"{i}\" — ü'\n" for i in range(700))[:20_000]
ARGUMENTS = json.dumps({"path": "src/main.py", "content": CODE}, ensure_ascii=False)


@pytest.mark.parametrize(
    "text,first_end",
    [
        (  # v11+: one [TOOL_CALLS] per call
            f"Writing it.[TOOL_CALLS]write_file[ARGS]{ARGUMENTS}[TOOL_CALLS]ls[ARGS]{{}}</s>",
            "[TOOL_CALLS]ls",
        ),
        (  # pre-v11: a JSON array
            f'[TOOL_CALLS][{{"name": "write_file", "arguments": {ARGUMENTS}}}, '
            '{"name": "ls", "arguments": {}}]',
            '}, {"name": "ls"',
        ),
    ],
    ids=["v11", "pre_v11"],
)
def test_a_20kb_argument_streams_as_it_is_written(text, first_end):
    parser = MistralParser()
    assert parser.parse(text).tool_calls[0].function.arguments == ARGUMENTS  # passed through as written
    name_by = text.index('"src/main')
    sent = assert_streams_early(parser, text, name="write_file", name_by=name_by, end=text.index(first_end))
    assert sent[0] == "{"  # the name before the first argument is complete
    assert_cuts_match_parse(parser, text, sizes=(64, 997), random_cuts=20, seed=1)


def test_streamed_ids_are_mistral_ids():
    text = '[TOOL_CALLS]a[ARGS]{"x": "' + "y" * 500 + '"}[TOOL_CALLS]b[ARGS]{}'
    stream = MistralParser().stream()
    deltas = [d for i in range(0, len(text), 7) for d in stream.feed(text[i : i + 7])]
    assert any(p.id for d in deltas for p in d.tool_calls)  # the first call went out before the end
    ids = [p.id for d in deltas + stream.finish() for p in d.tool_calls]
    sent = [i for i in ids if i]
    assert len(sent) == 2 and all(len(i) == 9 and i.isalnum() for i in sent)
    assert [c.id for c in stream.result.tool_calls] == sent


def test_a_marker_inside_an_argument_does_not_mislead_the_stream():
    text = '[TOOL_CALLS]a[ARGS]{"x": "[TOOL_CALLS]b[ARGS]{}"}[TOOL_CALLS]c[ARGS]{"z": 1}'
    assert [c.function.name for c in MistralParser().parse(text).tool_calls] == ["a", "c"]
    assert_cuts_match_parse(MistralParser(), text, sizes=(1, 2, 5), random_cuts=20, seed=3)
