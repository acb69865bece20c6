# ruff: noqa: E501  (model outputs quoted whole)
"""``inkling``: the format of vLLM vllm/frontend/processing/parser/inkling.py (module docstring and
``inkling_config``); vLLM's suite has no Inkling test file."""

from __future__ import annotations

from hermes_core.plugins import get_hermes
from hermes_testkit.parser_helpers import decoded_calls as calls
from hermes_testkit.parsers import ParserConformance, ParserSample

THINK = "<|message_model|><|content_thinking|>The user wants SF weather.<|end_message|>"
TEXT = "<|message_model|><|content_text|>Checking SF.<|end_message|>"
CALL = (
    '<|message_model|><|content_invoke_tool_json|>{"name":"get_weather","args":{"city":"SF"}}<|end_message|>'
)
SF = ("get_weather", {"city": "SF"})


def parse(text: str):
    return get_hermes().parser("inkling").parse(text)


class TestInklingConformance(ParserConformance):
    parser_name = "inkling"
    samples = [
        ParserSample(
            TEXT + CALL.replace('"SF"', '"San Francisco"'),
            [("get_weather", {"city": "San Francisco"})],
            content="Checking SF.",
        ),
        ParserSample(THINK + TEXT + CALL, [SF], content="Checking SF."),
        ParserSample(CALL + CALL.replace("SF", "NYC"), [SF, ("get_weather", {"city": "NYC"})]),
    ]


def test_docstring_example():
    parsed = parse(THINK + TEXT + CALL)
    assert calls(parsed) == [SF] and parsed.content == "Checking SF."


def test_blocks_in_any_order_and_end_sampling_token():
    text = CALL.replace("<|end_message|>", "<|content_model_end_sampling|>") + TEXT
    parsed = parse(text)
    assert calls(parsed) == [SF] and parsed.content == "Checking SF."


def test_args_must_be_an_object():
    # vLLM _args_value_span: "Inkling tool call args must be a JSON object"
    text = '<|content_invoke_tool_json|>{"name":"f","args":[1]}<|end_message|>'
    assert parse(text).tool_calls == [] and parse(text).content == text


def test_missing_args_is_an_empty_object():
    # vLLM _inkling_arg_converter: no args value -> "{}"
    assert calls(parse('<|content_invoke_tool_json|>{"name":"refresh"}<|end_message|>')) == [("refresh", {})]


def test_raw_text_tool_blocks_and_errors_are_visible_not_calls():
    text = (
        "<|content_invoke_tool_text|>get_weather SF<|end_message|><|content_tool_error|>oops<|end_message|>"
    )
    assert parse(text).tool_calls == [] and parse(text).content == text
    parsed = parse(text + CALL)
    assert calls(parsed) == [SF] and parsed.content == "get_weather SFoops"


def test_header_metadata_is_not_content():
    text = '<|message_model|>get_weather<|content_invoke_tool_json|>{"name":"get_weather","args":{}}<|end_message|>'
    parsed = parse(text)
    assert calls(parsed) == [("get_weather", {})] and parsed.content is None


def test_a_20kb_argument_streams_as_it_is_written():
    """Issue 21: the header once ``{"name": N, "args": {`` is written, a 20 KB argument as it comes
    (>= 90 % before the block's end token), a token being written never taken for argument text."""
    import json

    from hermes_testkit.parser_helpers import assert_cuts_match_parse

    code = "".join(f"    line_{i} = 'value \\\\ \"{i}\" <|x — ü'\n" for i in range(700))[:20_000]
    arguments = json.dumps({"path": "src/main.py", "content": code}, ensure_ascii=False)
    text = (
        TEXT
        + f'<|message_model|><|content_invoke_tool_json|>{{"name": "write_file", "args": {arguments}}}<|end_message|>'
    )
    parser = get_hermes().parser("inkling")
    final = parser.parse(text).tool_calls[0].function.arguments
    assert json.loads(final) == json.loads(arguments)
    stream = parser.stream()
    names, sent = [], ""
    stop = text.rindex("}}<|end_message|>")
    for start in range(0, stop, 16):
        for delta in stream.feed(text[start : min(start + 16, stop)]):
            names += [p.name for p in delta.tool_calls if p.name]
            sent += "".join(p.arguments or "" for p in delta.tool_calls)
        if start + 16 < text.index('"src/main'):
            assert sent in ("", "{")
    assert names == ["write_file"] and final.startswith(sent) and len(sent) >= 0.9 * len(final)
    assert_cuts_match_parse(parser, text, sizes=(64, 997), random_cuts=20, seed=1)


def test_a_cut_off_call_keeps_what_was_written():
    text = '<|content_invoke_tool_json|>{"name": "search", "args": {"q": "weather in Par'
    assert calls(parse(text)) == [("search", {"q": "weather in Par"})]
    token_in_a_string = '<|content_invoke_tool_json|>{"name": "f", "args": {"q": "a<|end_message|>b"}}'
    assert calls(parse(token_in_a_string)) == [("f", {"q": "a"})]
