import json

import pytest
from hermes_parser_deepseek.parser import (
    CALL_BEGIN,
    CALL_END,
    CALLS_BEGIN,
    CALLS_END,
    SEP,
    DeepSeekV3Parser,
    DeepSeekV31Parser,
)
from hermes_parser_deepseek.samples import (
    SAMPLE_COMPLETIONS,
    V3_PARALLEL,
    V3_SINGLE,
    V31_PARALLEL,
    V31_SINGLE,
)

from hermes_testkit.parser_helpers import VARIOUS_TYPES_ARGUMENTS
from hermes_testkit.parser_helpers import decoded_calls as calls
from hermes_testkit.parsers import ParserConformance, ParserSample

EOS = "<｜end▁of▁sentence｜>"


def v3_call(name, args_json):
    return f"{CALL_BEGIN}function{SEP}{name}\n```json\n{args_json}\n```{CALL_END}"


def v31_call(name, args_json):
    return f"{CALL_BEGIN}{name}{SEP}{args_json}{CALL_END}"


V3_SAMPLES = [
    ParserSample(V3_SINGLE, [("get_weather", {"location": "Hangzhou, China", "unit": "celsius"})]),
    ParserSample(
        V3_PARALLEL,
        [
            ("get_weather", {"location": "Tokyo"}),
            ("get_weather", {"location": "Paris"}),
            (
                "search_web",
                {
                    "query": "événements à Paris ce week-end",
                    "max_results": 5,
                    "filters": {"lang": ["fr", "en"]},
                },
            ),
        ],
        content="I'll look up the weather in both cities.",
    ),
    # DeepSeek-R1 answers after its reasoning; the calls follow the closing tag
    ParserSample(
        "<think>\nThe user wants the time in UTC. I should call get_time.\n</think>\n\n"
        + CALLS_BEGIN
        + v3_call("get_time", '{"timezone": "UTC"}')
        + CALLS_END
        + EOS,
        [("get_time", {"timezone": "UTC"})],
        content="<think>\nThe user wants the time in UTC. I should call get_time.\n</think>",
    ),
]
V31_SAMPLES = [
    ParserSample(V31_SINGLE, [("terminal", {"command": 'grep -rn "TODO" src/ | head -n 20', "timeout": 30})]),
    ParserSample(
        V31_PARALLEL,
        [
            ("read_file", {"path": "src/main.py"}),
            ("read_file", {"path": "tests/test_main.py"}),
            ("list_dir", {}),
        ],
        content="Let me read both files first.",
    ),
    ParserSample(
        "</think>I need to check the file."
        + CALLS_BEGIN
        + v31_call("write_file", '{"path": "a.md", "content": "# Título\\n\\n- ✓ done\\n"}')
        + CALLS_END,
        [("write_file", {"path": "a.md", "content": "# Título\n\n- ✓ done\n"})],
        content="</think>I need to check the file.",
    ),
]


class TestDeepSeekV3Conformance(ParserConformance):
    parser_name = "deepseek_v3"
    samples = V3_SAMPLES


class TestDeepSeekV31Conformance(ParserConformance):
    parser_name = "deepseek_v3_1"
    samples = V31_SAMPLES


def test_alias_resolves():
    from hermes_core.plugins import get_hermes

    assert isinstance(get_hermes().parser("deepseek_v31"), DeepSeekV31Parser)
    assert isinstance(get_hermes().parser("deepseek_v3"), DeepSeekV3Parser)


@pytest.mark.parametrize("cls", [DeepSeekV3Parser, DeepSeekV31Parser])
def test_every_sample_completion_parses_with_either_parser(cls):
    """Both parsers read both layouts, so choosing V3 for a V3.1 model (or back) still works."""
    for text in SAMPLE_COMPLETIONS:
        assert cls().parse(text).tool_calls


def test_single_call_v3():
    parsed = DeepSeekV3Parser().parse(CALLS_BEGIN + v3_call("ping", '{"host": "example.com"}') + CALLS_END)
    assert parsed.content is None
    assert calls(parsed) == [("ping", {"host": "example.com"})]
    call = parsed.tool_calls[0]
    assert call.type == "function" and call.id.startswith("call_")


def test_many_parallel_calls_all_found():
    """hermes-agent found only the first call of a V3.1 completion; every one must come back."""
    text = CALLS_BEGIN + "".join(v31_call(f"tool_{i}", f'{{"i": {i}}}') for i in range(12)) + CALLS_END
    parsed = DeepSeekV31Parser().parse(text)
    assert calls(parsed) == [(f"tool_{i}", {"i": i}) for i in range(12)]
    assert len({c.id for c in parsed.tool_calls}) == 12


def test_v3_parallel_calls_separated_by_newlines():
    text = CALLS_BEGIN + v3_call("a", "{}") + "\n" + v3_call("b", '{"x": 1}') + CALLS_END
    assert calls(DeepSeekV3Parser().parse(text)) == [("a", {}), ("b", {"x": 1})]


def test_nested_unicode_and_escaped_arguments():
    args = {
        "code": 'print("hello\\n")\nfor i in range(3):\n    print(i)',
        "meta": {"tags": ["数据", "émoji 🎉"], "limits": {"max": 1.5e3, "on": True, "none": None}},
        "marker_in_string": "```json and </tool_call> inside a string",
    }
    text = "Running it." + CALLS_BEGIN + v31_call("python", json.dumps(args)) + CALLS_END
    parsed = DeepSeekV31Parser().parse(text)
    assert calls(parsed) == [("python", args)]
    assert parsed.content == "Running it."
    # kept as the model wrote it (here ASCII-escaped): a stream forwards the model's text as it comes
    assert parsed.tool_calls[0].function.arguments == json.dumps(args)


def test_v3_pretty_printed_arguments():
    """vLLM's V3 regex has no DOTALL, so it drops calls whose JSON spans lines; we read them (better)."""
    pretty = json.dumps({"query": "x", "options": {"depth": 2}}, indent=2)
    text = CALLS_BEGIN + v3_call("search", pretty) + CALLS_END
    assert calls(DeepSeekV3Parser().parse(text)) == [("search", {"query": "x", "options": {"depth": 2}})]


def test_string_encoded_arguments_are_not_double_encoded():
    inner = json.dumps({"city": "Zürich"})
    text = CALLS_BEGIN + v31_call("get_weather", json.dumps(inner)) + CALLS_END
    parsed = DeepSeekV31Parser().parse(text)
    assert parsed.tool_calls[0].function.arguments == '{"city": "Zürich"}'


def test_plain_text_and_other_formats_stay_content():
    for text in ["Hello there.", '<tool_call>{"name": "x", "arguments": {}}</tool_call>', "```json\n{}\n```"]:
        parsed = DeepSeekV3Parser().parse(text)
        assert parsed.content == text and parsed.tool_calls == []


def test_broken_arguments_object_keeps_the_call_up_to_its_last_commit_point():
    """vLLM passes broken JSON through as the arguments (invalid JSON); the contract wants JSON, and a stream
    has sent the name once the object opened: the call stays, its arguments closed where they broke."""
    text = CALLS_BEGIN + v31_call("bad", '{"a": 1,,}') + v31_call("good", '{"b": 2}') + CALLS_END
    assert calls(DeepSeekV31Parser().parse(text)) == [("bad", {"a": 1}), ("good", {"b": 2})]
    text = "Sure." + CALLS_BEGIN + v31_call("bad", "{not json}") + CALLS_END
    parsed = DeepSeekV31Parser().parse(text)
    assert calls(parsed) == [("bad", {})] and parsed.content == "Sure."


def test_arguments_that_are_not_an_object_being_written_are_read_whole():
    text = "Sure." + CALLS_BEGIN + v31_call("bad", "[not json]") + CALLS_END
    parsed = DeepSeekV31Parser().parse(text)
    assert parsed.tool_calls == [] and parsed.content == text


def test_block_without_separator_is_skipped():
    text = CALLS_BEGIN + f"{CALL_BEGIN}get_weather{{}}{CALL_END}" + CALLS_END
    parsed = DeepSeekV31Parser().parse(text)
    assert parsed.tool_calls == [] and parsed.content == text


def test_truncated_final_call_is_kept_as_far_as_it_is_written():
    """vLLM's non-streaming regex needs the end marker; its streaming sends the name and the arguments as
    they come. A cut-off text (max_tokens) gives what a stream has sent: the call, closed where it stops."""
    text = CALLS_BEGIN + v31_call("a", '{"x": 1}') + CALL_BEGIN + 'b<｜tool▁sep｜>{"y": "unfini'
    assert calls(DeepSeekV31Parser().parse(text)) == [("a", {"x": 1}), ("b", {"y": "unfini"})]
    text = CALLS_BEGIN + v3_call("a", "{}") + CALL_BEGIN + 'function<｜tool▁sep｜>b\n```json\n{"y": 12'
    assert calls(DeepSeekV3Parser().parse(text)) == [("a", {}), ("b", {})]  # 12 may still become 123


def test_unclosed_final_call_with_complete_json_counts():
    """Generation stopped right before ``<｜tool▁call▁end｜>``: the JSON is whole, so the call counts."""
    text = CALLS_BEGIN + v3_call("a", "{}") + CALL_BEGIN + 'function<｜tool▁sep｜>b\n```json\n{"y": 2}\n```'
    assert calls(DeepSeekV3Parser().parse(text)) == [("a", {}), ("b", {"y": 2})]
    text = CALLS_BEGIN + CALL_BEGIN + 'b<｜tool▁sep｜>{"y": 2}' + CALLS_END
    assert calls(DeepSeekV31Parser().parse(text)) == [("b", {"y": 2})]


def test_truncated_v3_name_only_is_not_a_call():
    text = "Checking." + CALLS_BEGIN + CALL_BEGIN + "function<｜tool▁sep｜>get_wea"
    parsed = DeepSeekV3Parser().parse(text)
    assert parsed.tool_calls == [] and parsed.content == text


def test_closed_call_without_arguments_is_empty_object():
    text = CALLS_BEGIN + f"{CALL_BEGIN}function{SEP}list_files{CALL_END}" + CALLS_END
    assert calls(DeepSeekV3Parser().parse(text)) == [("list_files", {})]


def test_missing_section_marker_tolerated():
    """Some serving stacks drop ``<｜tool▁calls▁begin｜>``; vLLM then finds nothing, we read the calls."""
    text = "Ok. " + v31_call("a", '{"x": 1}')
    parsed = DeepSeekV31Parser().parse(text)
    assert calls(parsed) == [("a", {"x": 1})] and parsed.content == "Ok."


def test_marker_quoted_in_reasoning_is_not_a_call():
    quoted = CALLS_BEGIN + v31_call("example", '{"q": 1}') + CALLS_END
    text = f"<think>The format is {quoted}.</think>Now for real:" + CALLS_BEGIN + v31_call("real", "{}")
    parsed = DeepSeekV31Parser().parse(text + CALLS_END)
    assert [c.function.name for c in parsed.tool_calls] == ["real"]
    assert parsed.content.endswith("Now for real:")


def test_trailing_text_after_section_is_ignored():
    text = CALLS_BEGIN + v31_call("a", "{}") + CALLS_END + EOS + "\n"
    parsed = DeepSeekV31Parser().parse(text)
    assert calls(parsed) == [("a", {})] and parsed.content is None


def test_fence_without_newline_tolerated():
    text = CALLS_BEGIN + f'{CALL_BEGIN}function{SEP}f```json{{"k": "v"}}```{CALL_END}' + CALLS_END
    assert calls(DeepSeekV3Parser().parse(text)) == [("f", {"k": "v"})]


# vLLM tests/tool_parsers/test_deepseekv31_tool_parser.py::test_extract_tool_calls_with_tool
def test_vllm_v31_with_tool():
    text = f'normal text{CALLS_BEGIN}{CALL_BEGIN}foo{SEP}{{"x":1}}{CALL_END}{CALLS_END}'
    parsed = DeepSeekV31Parser().parse(text)
    assert calls(parsed) == [("foo", {"x": 1})] and parsed.content == "normal text"


# vLLM ...test_deepseekv31_tool_parser.py::test_extract_tool_calls_with_multiple_tools
def test_vllm_v31_with_multiple_tools():
    text = (
        f"some prefix text{CALLS_BEGIN}"
        f'{CALL_BEGIN}foo{SEP}{{"x":1}}{CALL_END}{CALL_BEGIN}bar{SEP}{{"y":2}}{CALL_END}'
        f"{CALLS_END} some suffix text"
    )
    parsed = DeepSeekV31Parser().parse(text)
    assert calls(parsed) == [("foo", {"x": 1}), ("bar", {"y": 2})] and parsed.content == "some prefix text"


# vLLM ...test_deepseekv31_tool_parser.py::test_extract_tool_calls_unparsable_block
@pytest.mark.parametrize(
    "text",
    [
        f"Let me look that up.{CALLS_BEGIN}get_weather",
        f'{CALLS_BEGIN}foo{SEP}{{"x":1}}{CALLS_END}',
    ],
    ids=["cut_off", "no_call_markers"],
)
def test_vllm_v31_unparsable_block(text):
    for parser in (DeepSeekV31Parser(), DeepSeekV3Parser()):
        parsed = parser.parse(text)
        assert parsed.tool_calls == [] and parsed.content == text


def test_vllm_v3_common_outputs():
    """vLLM tests/tool_parsers/test_deepseekv3_tool_parser.py::TestDeepSeekV3ToolParser (common_tests
    config: no call, single, parallel, data types, empty arguments, surrounding text, escaped strings,
    malformed)."""
    parser = DeepSeekV3Parser()
    plain = "How can I help you today? I can check weather for you."
    assert parser.parse(plain).content == plain and parser.parse(plain).tool_calls == []
    single = CALLS_BEGIN + v3_call("get_weather", '{"city": "Tokyo", "unit": "celsius"}') + CALLS_END
    assert calls(parser.parse(single)) == [("get_weather", {"city": "Tokyo", "unit": "celsius"})]
    assert parser.parse(single).content is None
    parallel = (
        CALLS_BEGIN
        + v3_call("get_weather", '{"city": "Tokyo", "unit": "celsius"}')
        + v3_call("search_hotels", '{"location": "Tokyo", "check_in": "2025-01-15"}')
        + CALLS_END
    )
    assert [n for n, _ in calls(parser.parse(parallel))] == ["get_weather", "search_hotels"]
    types = VARIOUS_TYPES_ARGUMENTS
    text = CALLS_BEGIN + v3_call("test_function", json.dumps(types)) + CALLS_END
    assert calls(parser.parse(text)) == [("test_function", types)]
    text = CALLS_BEGIN + v3_call("get_current_time", "{}") + CALLS_END
    assert calls(parser.parse(text)) == [("get_current_time", {})]
    text = (
        "Let me check the weather for you."
        + CALLS_BEGIN
        + v3_call("get_weather", '{"city": "Paris"}')
        + CALLS_END
    )
    assert parser.parse(text).content == "Let me check the weather for you."
    escaped = {"text": 'He said "hello"', "path": "C:\\Users\\file", "newline": "line1\nline2"}
    text = CALLS_BEGIN + v3_call("send_message", json.dumps(escaped)) + CALLS_END
    assert calls(parser.parse(text)) == [("send_message", escaped)]
    # the malformed inputs ("exact behavior varies" in vLLM's test): an unclosed object keeps its call
    malformed = CALLS_BEGIN + v3_call("get_weather", '{"city": "Tokyo"') + CALLS_END
    assert calls(parser.parse(malformed)) == [("get_weather", {"city": "Tokyo"})]
    malformed = CALLS_BEGIN + 'function<｜tool▁sep｜>get_weather\n```json\n{"city": "Tokyo"}\n```' + CALLS_END
    parsed = parser.parse(malformed)
    assert parsed.tool_calls == [] and parsed.content == malformed
