"""The ``hermes`` parser on real Hermes 2 Pro / Hermes 3 output, and the cases the contract leaves open."""

from __future__ import annotations

import json

from hermes_core.plugins import get_hermes
from hermes_testkit.parser_helpers import tool_definition
from hermes_testkit.parsers import ParserConformance, ParserSample

WEATHER = [tool_definition("get_weather", {"city": {"type": "string"}})]


def parse(text: str):
    return get_hermes().parser("hermes").parse(text)


def calls(parsed):
    return [(c.function.name, json.loads(c.function.arguments)) for c in parsed.tool_calls]


class TestHermesConformance(ParserConformance):
    parser_name = "hermes"
    samples = [
        # Hermes 3 (Llama 3.1): the call on its own lines, arguments key first as in the model card
        ParserSample(
            text=(
                '<tool_call>\n{"arguments": {"symbol": "TSLA"}, "name": "get_stock_fundamentals"}\n'
                "</tool_call>"
            ),
            calls=[("get_stock_fundamentals", {"symbol": "TSLA"})],
        ),
        # parallel calls, as the hermes chat template renders them
        ParserSample(
            text=(
                '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>\n'
                '<tool_call>\n{"name": "get_weather", "arguments": {"city": "São Paulo"}}\n</tool_call>'
            ),
            calls=[("get_weather", {"city": "Paris"}), ("get_weather", {"city": "São Paulo"})],
        ),
        ParserSample(
            text=(
                "I'll look that up for you.\n"
                '<tool_call>\n{"name": "web_search", "arguments": {"query": "hermes agent \\"tool calls\\"", '
                '"filters": {"site": ["github.com"], "max": 5}}}\n</tool_call>'
            ),
            calls=[
                (
                    "web_search",
                    {"query": 'hermes agent "tool calls"', "filters": {"site": ["github.com"], "max": 5}},
                )
            ],
            content="I'll look that up for you.",
        ),
        ParserSample(
            text=(
                '<tool_call>\n{"name": "terminal", "arguments": '
                '{"command": "ls -la /tmp\\nprintf \'%s\\\\n\' ✓"}}\n</tool_call>'
            ),
            calls=[("terminal", {"command": "ls -la /tmp\nprintf '%s\\n' ✓"})],
        ),
    ]


def test_single_call_content_none():
    parsed = parse('<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>')
    assert calls(parsed) == [("get_weather", {"city": "Paris"})]
    assert parsed.content is None
    assert parsed.tool_calls[0].id.startswith("call_")


def test_argument_object_kept_as_written():
    """Never re-encoded (a stream forwards the model's text as it comes): the same JSON value, escapes
    and spacing as written."""
    parsed = parse('<tool_call>{"name": "say", "arguments": {"text":"日本語 \\u00e9"}}</tool_call>')
    assert parsed.tool_calls[0].function.arguments == '{"text":"日本語 \\u00e9"}'
    assert calls(parsed) == [("say", {"text": "日本語 é"})]


def test_string_encoded_arguments_are_not_double_encoded():
    parsed = parse(
        '<tool_call>\n{"name": "get_weather", "arguments": "{\\"city\\": \\"Paris\\"}"}\n</tool_call>'
    )
    assert parsed.tool_calls[0].function.arguments == '{"city": "Paris"}'


def test_missing_arguments_become_empty_object():
    assert parse('<tool_call>{"name": "now"}</tool_call>').tool_calls[0].function.arguments == "{}"


def test_non_json_string_arguments_stay_valid_json():
    """vLLM's ``json.dumps`` case: a bare string argument becomes a JSON string, so arguments always load."""
    parsed = parse('<tool_call>{"name": "echo", "arguments": "hello"}</tool_call>')
    assert parsed.tool_calls[0].function.arguments == '"hello"'


def test_parameters_key_accepted():
    """Deliberately better than vLLM (KeyError, all calls lost): Llama fine-tunes write ``parameters``."""
    assert calls(parse('<tool_call>{"name": "f", "parameters": {"x": 1}}</tool_call>')) == [("f", {"x": 1})]


def test_plain_text_unchanged():
    text = "No tool needed: the capital of France is Paris.\n"
    parsed = parse(text)
    assert parsed.content == text and parsed.tool_calls == []


def test_leading_content_is_kept_trailing_whitespace_dropped():
    """Leading text stays as written (a stream forwards it before it knows a call follows; vLLM keeps the
    text before ``<tool_call>`` verbatim); only the whitespace before the call is dropped."""
    parsed = parse('  Let me check.\n\n<tool_call>{"name": "f", "arguments": {}}</tool_call>')
    assert parsed.content == "  Let me check."


def test_unclosed_final_block_with_complete_json_counts():
    parsed = parse(
        '<tool_call>\n{"name": "a", "arguments": {}}\n</tool_call>\n'
        '<tool_call>\n{"name": "b", "arguments": {"x": [1, 2]}}\n'
    )
    assert calls(parsed) == [("a", {}), ("b", {"x": [1, 2]})]


def test_truncated_json_yields_the_complete_calls_only():
    parsed = parse(
        '<tool_call>\n{"name": "a", "arguments": {}}\n</tool_call>\n<tool_call>\n{"name": "b", "argu'
    )
    assert calls(parsed) == [("a", {})]


def test_truncated_call_keeps_what_a_stream_has_sent():
    """Once the name and the opening brace of the arguments are written, a stream has sent the call: a
    cut-off call keeps its arguments up to the last certain point, closed (hermes_core.parsing_partial)."""
    parsed = parse('Sure.\n<tool_call>\n{"name": "get_weather", "arguments": {"city": "Pa')
    assert parsed.content == "Sure." and calls(parsed) == [("get_weather", {"city": "Pa"})]
    assert calls(parse('<tool_call>{"name": "f", "arguments": {"a": 1, "b": 2')) == [("f", {"a": 1})]


def test_truncated_before_the_arguments_open_stays_content():
    text = 'Sure.\n<tool_call>\n{"name": "get_weather", "argu'
    parsed = parse(text)
    assert parsed.tool_calls == [] and parsed.content == text


def test_malformed_block_skipped_others_kept():
    """Deliberately better than vLLM, which loses every call when one block fails ``json.loads``."""
    text = (
        '<tool_call>\n{"name": "a", "arguments": {"x": 1,}}\n</tool_call>\n'
        '<tool_call>\n{"name": "b", "arguments": {"y": 2}}\n</tool_call>'
    )
    assert calls(parse(text)) == [("a", {"x": 1}), ("b", {"y": 2})]  # a's arguments up to the bad token


def test_all_blocks_malformed_whole_text_is_content():
    text = "<tool_call>\nnot json at all\n</tool_call>"
    parsed = parse(text)
    assert parsed.tool_calls == [] and parsed.content == text


def test_stray_closing_brace_tolerated():
    """Deliberately better than vLLM: Qwen-style models sometimes emit one ``}`` too many."""
    assert calls(parse('<tool_call>\n{"name": "f", "arguments": {"a": 1}}}\n</tool_call>')) == [
        ("f", {"a": 1})
    ]


def test_closing_tag_inside_a_string_argument():
    """Deliberately better than vLLM, whose lazy regex stops at the first ``</tool_call>`` and fails."""
    text = (
        '<tool_call>{"name": "write", "arguments": {"text": "wrap in <tool_call>...</tool_call>"}}'
        "</tool_call>"
    )
    assert calls(parse(text)) == [("write", {"text": "wrap in <tool_call>...</tool_call>"})]


def test_unclosed_block_followed_by_another():
    """vLLM's regex swallows both blocks into one and loses both; each block is decoded on its own here."""
    text = '<tool_call>{"name": "a", "arguments": {}\n<tool_call>{"name": "b", "arguments": {}}</tool_call>'
    assert calls(parse(text)) == [("a", {}), ("b", {})]


def test_python_dict_call_recovered():
    """Deliberately better than vLLM: Hermes 2 Pro's Python-dict calls, as NousResearch's parser accepts."""
    text = "<tool_call>\n{'arguments': {'symbol': 'TSLA'}, 'name': 'get_stock_fundamentals'}\n</tool_call>"
    assert calls(parse(text)) == [("get_stock_fundamentals", {"symbol": "TSLA"})]


def test_list_of_calls_in_one_block():
    text = '<tool_call>[{"name": "a", "arguments": {}}, {"name": "b", "arguments": {"k": null}}]</tool_call>'
    assert calls(parse(text)) == [("a", {}), ("b", {"k": None})]


def test_object_without_name_is_not_a_call():
    text = '<tool_call>{"arguments": {}}</tool_call>'
    assert parse(text).tool_calls == []


def test_marker_quoted_in_reasoning_is_not_content_boundary():
    """Deliberately better than vLLM: a call syntax quoted in ``<think>`` does not become a call when a real
    call follows the reasoning; content then ends at the real call."""
    text = (
        '<think>The format is <tool_call>{"name": "example", "arguments": {}}</tool_call>.</think>\n\n'
        '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>'
    )
    parsed = parse(text)
    assert calls(parsed) == [("get_weather", {"city": "Paris"})]
    assert parsed.content.startswith("<think>") and parsed.content.endswith("</think>")


def test_call_inside_reasoning_only_still_found():
    text = '<think>calling now</think><tool_call>{"name": "f", "arguments": {}}</tool_call> trailing </think>'
    assert calls(parse(text)) == [("f", {})]


def test_deep_nesting_never_raises():
    text = '<tool_call>{"name": "f", "arguments": ' + "[" * 100_000 + "</tool_call>"
    assert parse(text).content == text


def test_tools_argument_accepted():
    parsed = (
        get_hermes().parser("hermes", tools=WEATHER).parse('<tool_call>{"name": "get_weather"}</tool_call>')
    )
    assert calls(parsed) == [("get_weather", {})]


def test_alias_resolves():
    assert type(get_hermes().parser("hermes2_pro")).name == "hermes"


def test_openai_shape():
    call = parse('<tool_call>{"name": "f", "arguments": {"a": 1}}</tool_call>').tool_calls[0]
    openai_call = call.to_openai()
    assert openai_call.function.name == "f" and openai_call.function.arguments == '{"a": 1}'


def test_valid_arguments_pass_through_as_written():
    """Issue 12.6: arguments already valid JSON are checked once, not decoded and re-encoded."""
    text = '<tool_call>{"name": "f", "arguments": {"a":1,"code":"x = 1\\nprint(\\"hi\\")"}}</tool_call>'
    arguments = parse(text).tool_calls[0].function.arguments
    assert arguments == '{"a":1,"code":"x = 1\\nprint(\\"hi\\")"}'
    assert json.loads(arguments) == {"a": 1, "code": 'x = 1\nprint("hi")'}


def test_python_dict_blocks_are_read_once_each():
    """Issue 15.1: the Python-literal fallback read from each unclosed block to the one end tag (53 s)."""
    bait = "<tool_call>{'" * 2000 + "</tool_call>"
    assert parse(bait).tool_calls == [] and parse(bait).content == bait
    call = "<tool_call>{'name': 'f', 'arguments': {'a': 1}}</tool_call>"
    assert calls(parse("<tool_call>{'" * 50 + call)) == [("f", {"a": 1})]
