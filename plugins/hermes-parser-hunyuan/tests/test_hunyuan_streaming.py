"""Calls stream as they are written (issue 21): the header once the name is written, arguments as they
come (a JSON string argument piece by piece, key/value arguments each once closed), and HY v4, whose
reference drops a call cut off before its end tag, each call whole at that tag."""

import json

from hermes_parser_hunyuan.a13b import HunyuanA13BParser
from hermes_parser_hunyuan.hy_v3 import HyV3Parser
from hermes_parser_hunyuan.hy_v4 import HyV4Parser

from hermes_testkit.parser_helpers import (
    CODE_1KB,
    assert_cuts_match_parse,
    assert_streams_early,
    stream_until,
)

CODE = "".join(f"    line_{i} = 'value \\ \"{i}\" — ü'\n" for i in range(700))[:20_000]


def test_a13b_streams_a_20kb_argument_as_it_is_written():
    arguments = json.dumps({"path": "src/main.py", "content": CODE}, ensure_ascii=False)
    text = f'Writing it.\n<tool_calls>[{{"name": "write_file", "arguments": {arguments}}}]</tool_calls>'
    parser = HunyuanA13BParser()
    assert json.loads(parser.parse(text).tool_calls[0].function.arguments) == json.loads(arguments)
    name_by = text.index('"src/main')
    sent = assert_streams_early(parser, text, name="write_file", name_by=name_by, end=text.rindex("}}]"))
    assert sent[0] == "{"  # the name before the first argument is complete
    assert_cuts_match_parse(parser, text, sizes=(64, 997), random_cuts=20, seed=1)


def test_a13b_cut_off_list_keeps_its_calls_closed_where_the_stream_stopped():
    text = '<tool_calls>[{"name": "a", "arguments": {"x": 1}}, {"name": "b", "arguments": {"y": "tex'
    parsed = HunyuanA13BParser().parse(text)
    assert [(c.function.name, c.function.arguments) for c in parsed.tool_calls] == [
        ("a", '{"x": 1}'),
        ("b", '{"y": "tex"}'),
    ]
    assert HunyuanA13BParser().parse(text[: text.index('"b"') + 2]).tool_calls[-1].function.name == "a"


def test_hy_v3_streams_each_argument_once_closed():
    body = "".join(f"<arg_key>part_{i}</arg_key>\n<arg_value>{CODE_1KB}</arg_value>\n" for i in range(20))
    text = f"<tool_calls>\n<tool_call>write_files<tool_sep>\n{body}</tool_call>\n</tool_calls>"
    parser = HyV3Parser()
    assert len(json.loads(parser.parse(text).tool_calls[0].function.arguments)) == 20
    name_by, end = text.index("</arg_value>"), text.rindex("</tool_call>")
    assert assert_streams_early(parser, text, name="write_files", name_by=name_by, end=end)[0] == "{"
    assert_cuts_match_parse(parser, text, sizes=(64, 997), random_cuts=20, seed=2)


def test_hy_v4_sends_each_call_whole_at_its_end_tag():
    text = (
        "<tool_calls:ab12><tool_call:ab12>get_weather<arg_key:ab12>city</arg_key:ab12>"
        "<arg_value:ab12>Beijing</arg_value:ab12></tool_call:ab12><tool_call:ab12>get_time"
        "</tool_call:ab12></tool_calls:ab12>"
    )
    parser = HyV4Parser()
    first_end = text.index("</tool_call:ab12>") + len("</tool_call:ab12>")
    seen, _ = stream_until(parser, text, [first_end - 1, first_end, text.index("</tool_calls")])
    assert seen[:2] == [([], ""), (["get_weather"], '{"city": "Beijing"}')]
    assert seen[2][0] == ["get_weather", "get_time"]
    assert_cuts_match_parse(parser, text, sizes=(1, 5), random_cuts=20, seed=3)
