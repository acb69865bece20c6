"""``dots``: cases from vLLM tests/tool_parsers/test_dots_tool_parser.py."""

from __future__ import annotations

import json

from hermes_core.parsing_stream import join_deltas
from hermes_core.plugins import get_hermes
from hermes_testkit.parser_helpers import decoded_calls as calls
from hermes_testkit.parser_helpers import tool_definition as tool
from hermes_testkit.parsers import ParserConformance, ParserSample

SEARCH = [tool("search", {"query": {"type": "string"}})]
SEARCH_OPEN = [*SEARCH, tool("open", {"id": {"type": "integer"}})]
MULTI = (
    "<dots_function_call>"
    '<invoke name="search"><parameter name="query">chairs</parameter></invoke>'
    '<invoke name="open"><parameter name="id">7</parameter></invoke>'
    "</dots_function_call>"
    '<dots_function_call>{"name":"search","arguments":{"query":"tables"}}</dots_function_call>'
)
CHAIRS = (
    '<dots_function_call><invoke name="search"><parameter name="query">chairs</parameter></invoke>'
    "</dots_function_call>"
)


def parse(text: str, tools=None):
    return get_hermes().parser("dots").parse(text, tools=tools)


class TestDotsConformance(ParserConformance):
    parser_name = "dots"
    parameter_end = "</parameter>"
    samples = [
        ParserSample(
            MULTI,
            [("search", {"query": "chairs"}), ("open", {"id": 7}), ("search", {"query": "tables"})],
            tools=SEARCH_OPEN,
        ),
        ParserSample("Looking.\n" + CHAIRS, [("search", {"query": "chairs"})], content="Looking."),
    ]


def test_schema_types_and_ref():
    # vLLM ...::test_non_stream_xml_converts_schema_types_and_resolves_ref
    tools = [
        tool(
            "set_location",
            {
                "location": {"$ref": "#/$defs/Location"},
                "days": {"type": "integer"},
                "include_weather": {"type": "boolean"},
            },
            **{"$defs": {"Location": {"type": "object", "properties": {"city": {"type": "string"}}}}},
        )
    ]
    text = (
        'ok<dots_function_call><invoke name="set_location">'
        '<parameter name="location">{"city": "Shanghai"}</parameter><parameter name="days">3</parameter>'
        '<parameter name="include_weather">true</parameter></invoke></dots_function_call>'
    )
    parsed = parse(text, tools=tools)
    assert parsed.content == "ok"
    assert calls(parsed) == [
        ("set_location", {"location": {"city": "Shanghai"}, "days": 3, "include_weather": True})
    ]


def test_multiple_invokes_and_json_fallback():
    # vLLM ...::test_non_stream_supports_multiple_invokes_and_json_fallback
    assert calls(parse(MULTI, tools=SEARCH_OPEN)) == [
        ("search", {"query": "chairs"}),
        ("open", {"id": 7}),
        ("search", {"query": "tables"}),
    ]


def test_unknown_tool_is_left_as_content():
    # vLLM ...::test_non_stream_unknown_tool_is_left_as_content / ::test_streaming_filters_unknown_tools_...
    text = CHAIRS.replace("search", "ghost")
    parsed = parse(text, tools=SEARCH)
    assert parsed.tool_calls == [] and parsed.content == text


def test_streaming_buffers_partial_marker_and_emits_all_calls():
    # vLLM ...::test_streaming_buffers_partial_marker_and_emits_all_complete_calls
    chunks = [
        "visible<dots_func",
        "tion_call>" + CHAIRS[len("<dots_function_call>") :] + CHAIRS.replace("chairs", "tables"),
    ]
    stream = get_hermes().parser("dots").stream(tools=SEARCH)
    content, got = join_deltas([d for c in chunks for d in stream.feed(c)] + stream.finish())
    assert content == "visible"
    assert [json.loads(c["function"]["arguments"]) for c in got] == [{"query": "chairs"}, {"query": "tables"}]


def test_malformed_block_does_not_block_a_later_call():
    # vLLM ...::test_streaming_malformed_block_does_not_block_later_valid_call
    assert calls(parse("<dots_function_call>garbage</dots_function_call>" + CHAIRS, tools=SEARCH)) == [
        ("search", {"query": "chairs"})
    ]


def test_json_block_streamed():
    # vLLM ...::test_streaming_emits_complete_json_before_end_marker_without_duplication
    chunks = [
        "<dots_function_call>",
        '{"name":"search","arguments":{"query":"chairs"}}',
        "</dots_function_call>",
    ]
    stream = get_hermes().parser("dots").stream(tools=SEARCH)
    _, got = join_deltas([d for c in chunks for d in stream.feed(c)] + stream.finish())
    assert [(c["function"]["name"], c["function"]["arguments"]) for c in got] == [
        ("search", '{"query": "chairs"}')
    ]


def test_flat_function_tool_definition():
    # vLLM ...::test_non_stream_with_function_tool (Responses API FunctionTool: no "function" wrapper)
    flat = [
        {
            "type": "function",
            "name": "search",
            "parameters": {"type": "object", "properties": {"query": {"type": "string"}}},
        }
    ]
    assert calls(parse(CHAIRS, tools=flat)) == [("search", {"query": "chairs"})]


def test_without_tools_values_are_text_and_names_unchecked():
    text = (
        "<dots_function_call><invoke name='any'><parameter name=n>3</parameter></invoke></dots_function_call>"
    )
    assert calls(parse(text)) == [("any", {"n": "3"})]


def test_cut_off_block_keeps_the_invoke_with_its_complete_parameters():
    """A stream sends an invoke's name once its tag closes and each parameter once closed, so a cut-off
    invoke stays a call with those (the cut-off value left out), as does one whose ``</invoke>`` is
    missing from a closed block; an invoke cut inside its tag is none."""
    text = 'Text <dots_function_call><invoke name="search"><parameter name="query">chai'
    assert calls(parse(text)) == [("search", {})] and parse(text).content == "Text"
    text = text.replace("chai", 'chairs</parameter><parameter name="page">2</parameter><parameter name="x">')
    assert calls(parse(text)) == [("search", {"query": "chairs", "page": "2"})]
    assert calls(parse(text + "</dots_function_call>")) == [("search", {"query": "chairs", "page": "2"})]
    cut = 'Text <dots_function_call><invoke name="sea'
    assert parse(cut).tool_calls == [] and parse(cut).content == cut


def test_parameters_stream_one_by_one_before_the_block_ends():
    """Issue 21: the header once the invoke's tag closes, then each parameter once closed; of 20 KB in
    20 parameters, >= 90 % is sent before ``</invoke>``."""
    part = "\n".join(f"    line {i}: print('x' * {i}) < > &" for i in range(40))[:1000]
    body = "".join(f'<parameter name="part_{i}">{part}</parameter>\n' for i in range(20))
    block = f'<dots_function_call>\n<invoke name="write_files">\n{body}</invoke>\n</dots_function_call>'
    text = "Writing." + block
    parser = get_hermes().parser("dots")
    final = parser.parse(text).tool_calls[0].function.arguments
    assert len(json.loads(final)) == 20
    stream = parser.stream()
    names, sent = [], ""
    stop = text.index("</invoke>")
    for start in range(0, stop, 16):
        for delta in stream.feed(text[start : min(start + 16, stop)]):
            names += [p.name for p in delta.tool_calls if p.name]
            sent += "".join(p.arguments or "" for p in delta.tool_calls)
            if start < text.index("</parameter>") - 16:
                assert names in ([], ["write_files"]) and sent in ("", "{")
    assert names == ["write_files"] and final.startswith(sent) and len(sent) >= 0.9 * len(final)
