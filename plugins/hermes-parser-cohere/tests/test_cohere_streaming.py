"""Cohere calls stream as they are written (issue 21): the header once ``"parameters": {`` follows the
name, a 20 KB parameter as it comes, the model's ``tool_call_id`` as the call's id."""

import json

from hermes_core.plugins import get_hermes
from hermes_testkit.parser_helpers import assert_cuts_match_parse, assert_streams_early, fed_parts

CODE = "".join(f"    line_{i} = 'value \\\\ \"{i}\" — ü'\n" for i in range(700))[:20_000]


def test_a_20kb_parameter_streams_as_it_is_written():
    parameters = json.dumps({"path": "src/main.py", "content": CODE}, ensure_ascii=False)
    text = (
        "<|START_THINKING|>I will write it.<|END_THINKING|><|START_ACTION|>\n[\n"
        f'    {{"tool_call_id": "0", "tool_name": "write_file", "parameters": {parameters}}},\n'
        '    {"tool_call_id": "1", "tool_name": "run", "parameters": {"cmd": "python src/main.py"}}\n'
        "]\n<|END_ACTION|>"
    )
    parser = get_hermes().parser("cohere_command4")
    assert json.loads(parser.parse(text).tool_calls[0].function.arguments) == json.loads(parameters)
    name_by, end = text.index('"src/main'), text.index("},\n    {")
    assert [(p.id, p.name) for p in fed_parts(parser.stream(), text[:name_by]) if p.name] == [
        ("0", "write_file")
    ]
    assert assert_streams_early(parser, text, name="write_file", name_by=name_by, end=end)[0] == "{"
    assert_cuts_match_parse(parser, text, sizes=(64, 997), random_cuts=20, seed=1)


def test_a_cut_off_action_keeps_its_calls():
    text = '<|START_ACTION|>[{"tool_call_id": "0", "tool_name": "search", "parameters": {"q": "wea'
    parsed = get_hermes().parser("cohere_command3").parse(text)
    assert [(c.id, c.function.name, c.function.arguments) for c in parsed.tool_calls] == [
        ("0", "search", '{"q": "wea"}')
    ]


def test_a_stream_never_sends_an_id_twice():
    """Each read goes on from the last call that ended, so an id written before it is looked up in the
    text: ``3`` and ``"3"`` are one id, the second call gets a fresh one (as ``parse()`` gives)."""
    items = [
        '{"tool_call_id": 3, "tool_name": "a", "parameters": {"q": 1}}',
        '{"tool_call_id": "3", "tool_name": "b", "parameters": {}}',
        '{"tool_call_id": "4", "tool_name": "c", "parameters": {}}',
    ]
    text = "<|START_ACTION|>[" + ", ".join(items) + "]<|END_ACTION|>"
    parser = get_hermes().parser("cohere_command3")
    for size in (1, 5, 64):
        stream = parser.stream()
        deltas = [d for i in range(0, len(text), size) for d in stream.feed(text[i : i + size])]
        ids = [p.id for d in deltas + stream.finish() for p in d.tool_calls if p.id]
        assert len(ids) == 3 and len(set(ids)) == 3 and ids[0] == "3" and ids[2] == "4", (size, ids)
