"""llama3_json streams a call as it is written: the name once its arguments object holds a key, the
arguments as they arrive, each call closed when its object ends (not when the text ends)."""

import json

from hermes_parser_llama.parser import Llama3JsonParser

from hermes_testkit.parser_helpers import assert_cuts_match_parse, assert_streams_early, stream_until

CODE = "".join(f"    line_{i} = 'value \\ \"{i}\" — ü'\n" for i in range(700))[:20_000]


def test_a_20kb_argument_streams_as_it_is_written():
    arguments = json.dumps({"path": "src/main.py", "content": CODE}, ensure_ascii=False)
    text = f'{{"name": "write_file", "parameters": {arguments}}}; {{"name": "ls", "parameters": {{}}}}'
    parser = Llama3JsonParser()
    assert parser.parse(text).tool_calls[0].function.arguments == arguments  # passed through as written
    name_by = text.index('"src/main')
    sent = assert_streams_early(parser, text, name="write_file", name_by=name_by, end=text.index("}; "))
    assert sent[0] == "{"  # the name before the first argument is complete
    ((names, _),), _ = stream_until(parser, text, [text.index('"ls"') + 5])
    assert names == ["write_file"]  # the first call closed at its end, the second not certain yet
    assert_cuts_match_parse(parser, text, sizes=(64, 997), random_cuts=20, seed=1)


def test_python_tag_and_reasoning_stream_the_same_way():
    for text in [
        'Checking.<|python_tag|>{"name": "search", "parameters": {"q": "' + "x" * 3000 + '"}}<|eom_id|>',
        '<think>Which tool?</think>\n{"name": "search", "arguments": {"q": "</think> in an argument"}}',
    ]:
        parser = Llama3JsonParser()
        ((names, _),), _ = stream_until(parser, text, [text.index('"q"') + 3])
        assert names == ["search"]
        assert_cuts_match_parse(parser, text, sizes=(1, 5, 64), random_cuts=20, seed=2)
