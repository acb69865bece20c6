"""The cases of SGLang's test/registered/unit/function_call/test_lfm2_detector.py, and nested quotes in
string arguments (single quotes inside double-quoted strings and the reverse, escaped quotes)."""

import json

import pytest

from hermes_core.plugins import get_hermes
from hermes_testkit.parser_helpers import assert_cuts_match_parse
from hermes_testkit.parser_helpers import decoded_calls as calls

BOT, EOT = "<|tool_call_start|>", "<|tool_call_end|>"


def parser():
    return get_hermes().parser("lfm2")


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('[get_weather(city="Tokyo")]', [("get_weather", {"city": "Tokyo"})]),  # ::test_single_call_pythonic
        (  # ::test_single_call_json
            json.dumps([{"name": "search", "arguments": {"query": "sglang"}}]),
            [("search", {"query": "sglang"})],
        ),
        (  # ::test_multiple_calls_pythonic
            '[get_weather(city="Tokyo"), search(query="restaurants")]',
            [("get_weather", {"city": "Tokyo"}), ("search", {"query": "restaurants"})],
        ),
        (  # ::test_multiple_args_pythonic
            '[get_weather(city="London", unit="celsius")]',
            [("get_weather", {"city": "London", "unit": "celsius"})],
        ),
        # nested quotes
        ('[search(query="it\'s (a) [test], ok")]', [("search", {"query": "it's (a) [test], ok"})]),
        ("[search(query='say \"hi\" twice')]", [("search", {"query": 'say "hi" twice'})]),
        (
            '[search(query="He said \\"hi\\" and \'bye\'")]',
            [("search", {"query": "He said \"hi\" and 'bye'"})],
        ),
    ],
)
def test_sglang_cases(body, expected):
    text = BOT + body + EOT
    assert calls(parser().parse(text)) == expected
    assert_cuts_match_parse(parser(), text, seed=2)


def test_normal_text_before_call():  # ::test_normal_text_before_call
    parsed = parser().parse("Sure! " + BOT + '[get_weather(city="Paris")]' + EOT)
    assert calls(parsed) == [("get_weather", {"city": "Paris"})] and parsed.content == "Sure!"


def test_no_tool_call():  # ::test_no_tool_call, ::test_has_tool_call_false
    text = "The weather is fine today."
    assert parser().parse(text).content == text and parser().parse(text).tool_calls == []
