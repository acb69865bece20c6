"""Cases from vLLM's suite: tests/tool_parsers/test_llama3_json_tool_parser.py (one test per case)."""

import json

import pytest
from hermes_parser_llama.parser import Llama3JsonParser

from hermes_core.parsing_stream import join_deltas


def parse(text):
    return Llama3JsonParser().parse(text)


def names(parsed):
    return [c.function.name for c in parsed.tool_calls]


@pytest.mark.parametrize(
    "text",
    [
        'Example: {"name":"a","arguments":{}}',  # vLLM 0.34 ::test_brace_in_plain_text_is_not_a_tool_call
        # the older suite's ::test_extract_tool_calls_simple text, which 0.34's grammar leaves as content
        'Here is the result: {"name": "getOpenIncidentsTool", "parameters": {}} Would you like to know more?',
    ],
)
def test_brace_in_plain_text_is_not_a_tool_call(text):
    parsed = parse(text)
    assert parsed.tool_calls == [] and parsed.content == text


def test_calls_after_python_tag_keep_the_text_before_as_content():
    parsed = parse('Let me search. <|python_tag|>{"name": "searchTool", "parameters": {}}')
    assert names(parsed) == ["searchTool"] and parsed.content == "Let me search."


def test_extract_tool_calls_with_arguments():
    # vLLM ::test_extract_tool_calls_with_arguments
    parsed = parse('{"name": "searchTool", "parameters": {"query": "test query", "limit": 10}}')
    assert names(parsed) == ["searchTool"]
    assert '"query": "test query"' in parsed.tool_calls[0].function.arguments
    assert '"limit": 10' in parsed.tool_calls[0].function.arguments


@pytest.mark.parametrize(
    "text",
    [
        "This is just some text without any tool calls",  # vLLM ::test_extract_tool_calls_no_json
        '{"name": "invalidTool", "parameters": {invalid json}',  # vLLM ::test_extract_tool_calls_invalid_json
        '{"parameters": {}}',  # vLLM ::test_extract_tool_calls_missing_name_key
        # vLLM ::test_extract_tool_calls_missing_parameters_and_arguments_key
        '{"name": "toolWithoutParams"}',
        "{hello world[A(A=" + "\t)A(A=,\t" * 2,  # vLLM ::test_regex_timeout_handling input
    ],
)
def test_no_call_keeps_the_text(text):
    parsed = parse(text)
    assert parsed.tool_calls == [] and parsed.content == text


def test_extract_tool_calls_with_arguments_key():
    # vLLM ::test_extract_tool_calls_with_arguments_key
    parsed = parse('{"name": "searchTool", "arguments": {"query": "test"}}')
    assert names(parsed) == ["searchTool"]
    assert '"query": "test"' in parsed.tool_calls[0].function.arguments


@pytest.mark.parametrize("sep", ["; ", " ; "])
def test_extract_tool_calls_multiple_json(sep):
    # vLLM ::test_extract_tool_calls_multiple_json and ::..._with_whitespace
    text = sep.join(
        [
            '{"name": "searchTool", "parameters": {"query": "test1"}}',
            '{"name": "getOpenIncidentsTool", "parameters": {}}',
            '{"name": "searchTool", "parameters": {"query": "test2"}}',
        ]
    )
    parsed = parse(text)
    assert names(parsed) == ["searchTool", "getOpenIncidentsTool", "searchTool"]
    assert parsed.tool_calls[1].function.arguments == "{}"
    assert '"query": "test2"' in parsed.tool_calls[2].function.arguments


def test_extract_tool_calls_multiple_json_with_trailing_text():
    # the older suite's ::test_extract_tool_calls_multiple_json_with_surrounding_text, without the prose
    # before the calls (0.34 starts calls only at the answer's opening brace)
    text = (
        '{"name": "searchTool", "parameters": {"query": "test1"}}; '
        '{"name": "getOpenIncidentsTool", "parameters": {}}; '
        '{"name": "searchTool", "parameters": {"query": "test2"}} '
        "Would you like to know more?"
    )
    parsed = parse(text)
    assert names(parsed) == ["searchTool", "getOpenIncidentsTool", "searchTool"]
    assert parsed.content is None


def test_extract_tool_calls_deeply_nested_json():
    # vLLM ::test_extract_tool_calls_deeply_nested_json
    text = (
        '{"name": "complexTool", "parameters": '
        '{"level1": {"level2": {"level3": {"level4": {"value": "deep"}}}}}}'
    )
    args = json.loads(parse(text).tool_calls[0].function.arguments)
    assert args["level1"]["level2"]["level3"]["level4"]["value"] == "deep"


def test_extract_tool_calls_multiple_with_deep_nesting():
    # vLLM ::test_extract_tool_calls_multiple_with_deep_nesting
    text = (
        '{"name": "simpleTool", "parameters": {"value": "test"}}; '
        '{"name": "complexTool", "parameters": '
        '{"config": {"database": {"connection": {"pool": {"size": 10}}}}}}'
    )
    parsed = parse(text)
    assert names(parsed) == ["simpleTool", "complexTool"]
    assert json.loads(parsed.tool_calls[0].function.arguments)["value"] == "test"
    args1 = json.loads(parsed.tool_calls[1].function.arguments)
    assert args1["config"]["database"]["connection"]["pool"]["size"] == 10


def test_extract_tool_calls_with_quotes_and_brackets_in_string():
    # vLLM ::test_extract_tool_calls_with_quotes_and_brackets_in_string
    text = (
        '{"name": "searchTool", "parameters": {"query": "test {value} [complex]",'
        '"nested": {"inner": "more {brackets}"}}}'
    )
    args = json.loads(parse(text).tool_calls[0].function.arguments)
    assert args["query"] == "test {value} [complex]"
    assert args["nested"]["inner"] == "more {brackets}"


def test_extract_tool_calls_with_escaped_quotes_in_nested_json():
    # vLLM ::test_extract_tool_calls_with_escaped_quotes_in_nested_json
    text = '{"name": "parserTool", "parameters": {"text": "He said \\"Hello {world}\\""}}'
    args = json.loads(parse(text).tool_calls[0].function.arguments)
    assert args["text"] == 'He said "Hello {world}"'


def test_extract_tool_calls_brace_in_trailing_text():
    # vLLM ::test_extract_tool_calls_brace_in_trailing_text
    text = '{"name": "searchTool", "parameters": {"query": "test"}} I used {searchTool} for this.'
    assert names(parse(text)) == ["searchTool"]


def test_extract_tool_calls_json_fragment_in_trailing_text():
    # vLLM ::test_extract_tool_calls_json_fragment_in_trailing_text
    text = (
        '{"name": "searchTool", "parameters": {"query": "test"}} '
        'The arguments I passed were {"query": "test"}'
    )
    assert names(parse(text)) == ["searchTool"]


@pytest.mark.parametrize("separator", ["; ", ";", ";\n", "\n"])
def test_extract_tool_calls_streaming_parallel_separators(separator):
    # vLLM ::test_extract_tool_calls_streaming_parallel_separators (chunks of 7 characters)
    text = (
        '{"name": "searchTool", "parameters": {"query": "test1"}}'
        + separator
        + '{"name": "getOpenIncidentsTool", "parameters": {}}'
    )
    stream = Llama3JsonParser().stream()
    deltas = []
    for i in range(0, len(text), 7):
        deltas += stream.feed(text[i : i + 7])
    deltas += stream.finish()
    content, streamed = join_deltas(deltas)
    assert content is None
    assert [c["function"]["name"] for c in streamed] == ["searchTool", "getOpenIncidentsTool"]
    assert json.loads(streamed[0]["function"]["arguments"]) == {"query": "test1"}


@pytest.mark.parametrize(
    "prefix,suffix",
    [
        ("", " Let me know."),
        ("\n\n", "\n\nDone."),
        ("  ", " {not json}"),
    ],
)
def test_trailing_text_after_an_untagged_call(prefix, suffix):
    """Text after an untagged call does not hide it. Text *before* one makes it prose, as vLLM 0.34's
    grammar (``test_brace_in_plain_text_is_not_a_tool_call``); hermes-agent's ``leading_content`` case
    ("Sure! {call}") is therefore content here, as it is behind a vLLM server."""
    text = prefix + '{"name": "terminal", "arguments": {"command": "ls"}}' + suffix
    parsed = parse(text)
    assert names(parsed) == ["terminal"]
    assert parsed.content is None
    leading = parse("Sure! " + text.strip())
    assert leading.tool_calls == []


def test_bait_never_decodes_from_a_brace_that_cannot_start_a_call(monkeypatch):
    """``"{'" * n`` bait: no decode is attempted (a failed one costs O(position): ``JSONDecodeError``)."""
    from hermes_core import parsing_call_objects as module

    attempts = []
    real = module.scan_json

    def counting(text, pos):
        attempts.append(pos)
        return real(text, pos)

    monkeypatch.setattr(module, "scan_json", counting)
    bait = "{'" * 10_000 + '{"a": [' * 10_000
    assert parse(bait).content == bait
    assert len(attempts) <= 10_000


def test_cheap_failures_do_not_exhaust_the_budget():
    """Failed decodes are charged what they walked: many small failures do not hide a later call."""
    text = '{"a":x ' * 2000 + '{"name": "f", "parameters": {}}'
    assert names(parse(text)) == ["f"]
