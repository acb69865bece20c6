"""Calls stream as they are written (issue 21): the header once the name is written, arguments as they
come (a JSON string argument piece by piece, key/value arguments each once closed), and HY v4, whose
reference drops a call cut off before its end tag, each call whole at that tag."""

import json

from hermes_parser_hunyuan.a13b import HunyuanA13BParser
from hermes_parser_hunyuan.hy_v3 import HyV3Parser
from hermes_parser_hunyuan.hy_v4 import HyV4Parser

from hermes_testkit.parser_helpers import assert_cuts_match_parse

CODE = "".join(f"    line_{i} = 'value \\ \"{i}\" — ü'\n" for i in range(700))[:20_000]
PART = "\n".join(f"    line {i}: print('x' * {i})" for i in range(40))[:1000]


def fed(parser, text: str, stop: int) -> tuple[list[str], str]:
    """The names and the first call's arguments a stream has sent once fed ``text[:stop]`` in 16-character
    deltas."""
    stream = parser.stream()
    names: list[str] = []
    arguments = ""
    for start in range(0, stop, 16):
        for delta in stream.feed(text[start : min(start + 16, stop)]):
            for part in delta.tool_calls:
                names += [part.name] if part.name else []
                arguments += (part.arguments or "") if part.index == 0 else ""
    return names, arguments


def test_a13b_streams_a_20kb_argument_as_it_is_written():
    arguments = json.dumps({"path": "src/main.py", "content": CODE}, ensure_ascii=False)
    text = f'Writing it.\n<tool_calls>[{{"name": "write_file", "arguments": {arguments}}}]</tool_calls>'
    parser = HunyuanA13BParser()
    final = parser.parse(text).tool_calls[0].function.arguments
    assert json.loads(final) == json.loads(arguments)
    names, sent = fed(parser, text, text.index('"src/main'))
    assert names == ["write_file"] and sent == "{"  # the name before the first argument is complete
    names, sent = fed(parser, text, text.rindex("}}]"))
    assert names == ["write_file"] and final.startswith(sent) and len(sent) >= 0.9 * len(final)
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
    body = "".join(f"<arg_key>part_{i}</arg_key>\n<arg_value>{PART}</arg_value>\n" for i in range(20))
    text = f"<tool_calls>\n<tool_call>write_files<tool_sep>\n{body}</tool_call>\n</tool_calls>"
    parser = HyV3Parser()
    final = parser.parse(text).tool_calls[0].function.arguments
    assert len(json.loads(final)) == 20
    names, sent = fed(parser, text, text.index("</arg_value>"))
    assert names == ["write_files"] and sent == "{"
    names, sent = fed(parser, text, text.rindex("</tool_call>"))
    assert final.startswith(sent) and len(sent) >= 0.9 * len(final)
    assert_cuts_match_parse(parser, text, sizes=(64, 997), random_cuts=20, seed=2)


def test_hy_v4_sends_each_call_whole_at_its_end_tag():
    text = (
        "<tool_calls:ab12><tool_call:ab12>get_weather<arg_key:ab12>city</arg_key:ab12>"
        "<arg_value:ab12>Beijing</arg_value:ab12></tool_call:ab12><tool_call:ab12>get_time"
        "</tool_call:ab12></tool_calls:ab12>"
    )
    parser = HyV4Parser()
    first_end = text.index("</tool_call:ab12>") + len("</tool_call:ab12>")
    assert fed(parser, text, first_end - 1) == ([], "")
    assert fed(parser, text, first_end) == (["get_weather"], '{"city": "Beijing"}')
    assert fed(parser, text, text.index("</tool_calls"))[0] == ["get_weather", "get_time"]
    assert_cuts_match_parse(parser, text, sizes=(1, 5), random_cuts=20, seed=3)
