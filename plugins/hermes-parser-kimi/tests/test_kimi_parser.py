import json

import pytest
from hermes_parser_kimi.parser import (
    ARGUMENT_BEGIN,
    CALL_BEGIN,
    CALL_END,
    SECTION_BEGIN,
    SECTION_BEGIN_SINGULAR,
    SECTION_END,
    KimiK2Parser,
    name_from_id,
)
from hermes_parser_kimi.samples import K2_LATER_TURN, K2_PARALLEL, K2_SINGLE, K2_THINKING

from hermes_testkit.parser_helpers import decoded_calls as calls
from hermes_testkit.parser_helpers import tool_definition
from hermes_testkit.parsers import ParserConformance, ParserSample


def call(call_id, args_json):
    return f"{CALL_BEGIN}{call_id}{ARGUMENT_BEGIN}{args_json}{CALL_END}"


def section(*calls):
    return SECTION_BEGIN + "".join(calls) + SECTION_END


def parse(text):
    return KimiK2Parser().parse(text)


class TestKimiK2Conformance(ParserConformance):
    parser_name = "kimi_k2"
    samples = [
        ParserSample(K2_SINGLE, [("get_weather", {"city": "Beijing"})]),
        ParserSample(
            K2_PARALLEL,
            [
                ("get_weather", {"city": "Beijing", "unit": "celsius"}),
                ("get_weather", {"city": "上海", "unit": "celsius"}),
            ],
            content="I'll check the weather in both cities at once.",
        ),
        ParserSample(
            K2_LATER_TURN,
            [("run_shell", {"command": 'pytest -q tests/ -k "parser and not slow"', "cwd": "/work"})],
        ),
        ParserSample(
            K2_THINKING,
            [
                ("web_search", {"query": "Kimi K2 Thinking release notes", "limit": 5}),
                ("fetch_url", {"url": "https://moonshotai.github.io/Kimi-K2/"}),
            ],
            content="<think>The user wants the latest release notes; search first, then fetch.</think>",
        ),
    ]


def test_native_ids_kept_as_call_ids():
    parsed = parse(K2_THINKING)
    assert [c.id for c in parsed.tool_calls] == ["functions.web_search:2", "functions.fetch_url:3"]
    assert all(c.type == "function" for c in parsed.tool_calls)


def test_name_from_id():
    assert name_from_id("functions.get_weather:0") == "get_weather"
    assert name_from_id("get_weather:12") == "get_weather"
    # vLLM takes the part after the last dot ("search"); the tool's own dotted name is kept here
    assert name_from_id("functions.mcp.github.search:3") == "mcp.github.search"
    assert name_from_id("functions.get-weather:1") == "get-weather"  # vLLM's [\w.]+ id regex drops this call


def test_repeated_index_gets_a_fresh_unique_id():
    parsed = parse(section(call("functions.a:0", "{}"), call("functions.a:0", '{"x": 1}')))
    ids = [c.id for c in parsed.tool_calls]
    assert ids[0] == "functions.a:0" and len(set(ids)) == 2


def test_singular_section_marker_variant():
    text = SECTION_BEGIN_SINGULAR + call("functions.f:0", '{"a": 1}') + "<|tool_call_section_end|>"
    assert calls(parse(text)) == [("f", {"a": 1})]


def test_nested_unicode_and_escaped_arguments():
    args = {
        "patch": '--- a\n+++ b\n@@ -1 +1 @@\n-"old"\n+"新"\n',
        "opts": {"dry_run": False, "paths": ["ä/ö"]},
    }
    parsed = parse(
        "Applying." + section(call("functions.apply_patch:7", json.dumps(args, ensure_ascii=False)))
    )
    assert calls(parsed) == [("apply_patch", args)] and parsed.content == "Applying."
    assert "新" in parsed.tool_calls[0].function.arguments


def test_string_encoded_arguments_are_not_double_encoded():
    parsed = parse(section(call("functions.f:0", json.dumps(json.dumps({"k": "v"})))))
    assert parsed.tool_calls[0].function.arguments == '{"k": "v"}'


def test_empty_arguments_in_closed_call_is_empty_object():
    assert calls(parse(section(call("functions.now:0", "")))) == [("now", {})]


def test_plain_text_is_content():
    for text in ["Hello!", "functions.get_weather:0 is the id format", "<|tool_call_end|>"]:
        assert parse(text).content == text and parse(text).tool_calls == []


def test_broken_arguments_object_keeps_the_call_up_to_its_last_commit_point():
    """vLLM passes the broken text through as arguments (invalid JSON); the contract wants JSON, and a
    stream has sent the header once the object opened: the call stays, closed where it broke."""
    text = section(call("functions.a:0", "{bad json}"), call("functions.b:1", '{"ok": true}'))
    assert calls(parse(text)) == [("a", {}), ("b", {"ok": True})]
    text = "Trying." + section(call("functions.a:0", '{"x": 1, "y": '))
    assert calls(parse(text)) == [("a", {"x": 1})] and parse(text).content == "Trying."


def test_arguments_that_are_not_an_object_being_written_are_read_whole():
    only_bad = "Trying." + section(call("functions.a:0", "[bad json]"))
    assert parse(only_bad).tool_calls == [] and parse(only_bad).content == only_bad


def test_block_without_argument_marker_is_skipped():
    text = section(f"{CALL_BEGIN}functions.a:0{CALL_END}", call("functions.b:1", "{}"))
    assert calls(parse(text)) == [("b", {})]


def test_truncated_final_call_is_kept_as_far_as_it_is_written():
    """vLLM's streaming test_truncated_tool_call_no_end_marker: a call cut off by max_tokens keeps its name
    and the arguments written (its non-streaming regex needs the end marker and drops it)."""
    text = SECTION_BEGIN + call("functions.a:0", '{"x": 1}') + CALL_BEGIN + "functions.b:1" + ARGUMENT_BEGIN
    assert calls(parse(text + '{"y"')) == [("a", {"x": 1}), ("b", {})]
    parsed = parse(text + '{"city": "Bei')
    assert calls(parsed) == [("a", {"x": 1}), ("b", {"city": "Bei"})]
    assert parsed.tool_calls[1].id == "functions.b:1"
    assert calls(parse(text)) == [("a", {"x": 1})]  # the object has not begun


def test_unclosed_final_call_with_complete_json_counts():
    text = SECTION_BEGIN + CALL_BEGIN + "functions.b:1" + ARGUMENT_BEGIN + '{"y": 2}'
    assert calls(parse(text)) == [("b", {"y": 2})]


def test_missing_section_marker_tolerated():
    """vLLM needs ``<|tool_calls_section_begin|>``; bare call blocks are read too."""
    parsed = parse("Sure. " + call("functions.a:0", "{}"))
    assert calls(parsed) == [("a", {})] and parsed.content == "Sure."


# vLLM tests/tool_parsers/test_kimi_k2_tool_parser.py (id regex ``[^<]+:\d+``) and hermes-agent's kimi parser
def test_id_without_index_is_not_a_call():
    text = section(call("functions.a", '{"x": 1}'), call("functions.b:x1", "{}"), call("functions.c:2", "{}"))
    assert calls(parse(text)) == [("c", {})]
    only = section(call("functions.get_weather", '{"city": "Paris"}'))
    assert parse(only).tool_calls == [] and parse(only).content == only


def _tool(tool_id, args):
    return f"{CALL_BEGIN}{tool_id} {ARGUMENT_BEGIN}{args}{CALL_END}"


def _schema_tool(name, *keys):
    properties = {k: {"type": "string"} for k in keys}
    return tool_definition(name, properties)


WEATHER, READ_FILE, BOOK_FLIGHT = (
    _schema_tool("get_weather", "city", "unit"),
    _schema_tool("read_file", "path"),
    _schema_tool("book_flight", "city"),
)


@pytest.mark.parametrize(
    ("text", "want", "content"),
    [
        (
            "I'll check. " + section(_tool("functions.get_weather:0", '{"city": "Beijing"}')),
            [("get_weather", {"city": "Beijing"})],
            "I'll check.",
        ),
        (
            "Compare weather. "
            + section(
                _tool("functions.get_weather:0", '{"city": "Beijing"}'),
                _tool("functions.get_weather:1", '{"city": "Shanghai"}'),
            ),
            [("get_weather", {"city": "Beijing"}), ("get_weather", {"city": "Shanghai"})],
            "Compare weather.",
        ),
        (
            "Multiple tasks. "
            + section(
                _tool("functions.get_weather:0", '{"city": "New York"}'),
                _tool("functions.get_news:1", '{"topic": "technology"}'),
                _tool("functions.send_email:2", '{"to": "user@example.com", "subject": "Daily Update"}'),
            ),
            [
                ("get_weather", {"city": "New York"}),
                ("get_news", {"topic": "technology"}),
                ("send_email", {"to": "user@example.com", "subject": "Daily Update"}),
            ],
            "Multiple tasks.",
        ),
        (
            "Process HTML. " + section(_tool("functions.process_html:0", '{"html": "<div>content</div>"}')),
            [("process_html", {"html": "<div>content</div>"})],
            "Process HTML.",
        ),
        (
            "Formatted. "
            + section(_tool("functions.process_data:0", '{\n  "name": "test",\n  "value": 123\n}')),
            [("process_data", {"name": "test", "value": 123})],
            "Formatted.",
        ),
        (
            "No prefix. " + section(_tool("get_weather:0", '{"city": "Tokyo"}')),
            [("get_weather", {"city": "Tokyo"})],
            "No prefix.",
        ),
        ("Empty args. " + section(_tool("functions.test:0", "{}")), [("test", {})], "Empty args."),
    ],
    ids=[
        "single_tool_call",
        "parallel_tool_calls",
        "three_tool_calls",
        "angle_brackets_in_json",
        "multiline_json",
        "no_functions_prefix",
        "empty_arguments",
    ],
)
def test_vllm_extract_tool_calls(text, want, content):
    """vLLM tests/tool_parsers/test_kimi_k2_tool_parser.py::TestExtractToolCalls::test_extract_tool_calls
    (vLLM keeps the trailing space of the content)."""
    parsed = parse(text)
    assert calls(parsed) == want and parsed.content == content
    assert all(c.id.split(":")[-1].isdigit() for c in parsed.tool_calls)


# vLLM ...::TestExtractToolCalls::test_invalid_funcall_id_skipped and ::test_native_id_extracted
def test_vllm_invalid_id_skipped_native_id_kept():
    text = "Help. " + section(
        _tool("functions.invalid.0", '{"city": "Beijing"}'),
        _tool("functions.valid:1", '{"city": "Shanghai"}'),
    )
    parsed = parse(text)
    assert (
        calls(parsed) == [("valid", {"city": "Shanghai"})] and parsed.tool_calls[0].id == "functions.valid:1"
    )


# vLLM ...::TestExtractToolCalls::test_bare_counter / ::test_bare_counter_multiple_tools_infers_by_args
def test_vllm_bare_counter_names_the_tool_from_the_request():
    text = "Let me check. " + section(_tool("0", '{"city": "Tokyo", "unit": "celsius"}'))
    for tools in ([WEATHER], [READ_FILE, WEATHER]):
        parsed = KimiK2Parser().parse(text, tools=tools)
        assert calls(parsed) == [("get_weather", {"city": "Tokyo", "unit": "celsius"})]
        assert parsed.tool_calls[0].id == "0" and parsed.content == "Let me check."
    assert parse(text).tool_calls == []  # no tools: nothing names it


# vLLM ...::TestExtractToolCalls::test_bare_counter_multiple_tools_skips_unsafe_inference
@pytest.mark.parametrize(
    "args", ['{"city": "Tokyo"}', '{"city": "Tokyo"'], ids=["ambiguous", "malformed_json"]
)
def test_vllm_bare_counter_ambiguous_skipped(args):
    text = "Let me check. " + section(_tool("0", args))
    assert KimiK2Parser().parse(text, tools=[WEATHER, BOOK_FLIGHT]).tool_calls == []
