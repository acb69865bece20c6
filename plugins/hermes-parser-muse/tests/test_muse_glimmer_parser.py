# ruff: noqa: E501  (model outputs quoted whole)
"""``muse_glimmer``: the contract of vLLM vllm/frontend/processing/tool_parsers/muse_glimmer_tool_parser.py
(module docstring, ``_iter_messages``, ``_tool_channel_text``); vLLM's suite has no MuseGlimmer test file."""

from __future__ import annotations

from hermes_core.plugins import get_hermes
from hermes_testkit.parser_helpers import decoded_calls as calls
from hermes_testkit.parsers import ParserConformance, ParserSample

REASONING = ' to=self<|message|>I will call <atem:invoke name="echo"></atem:invoke> now.<|eom|>'
CALL = (
    "<|start|>assistant to=weather.get<|message|><atem:function_calls>\n"
    '<atem:invoke name="weather.get"><atem:parameter name="city">Paris</atem:parameter>'
    '<atem:parameter name="days">3</atem:parameter></atem:invoke>\n</atem:function_calls><|eom|>'
)
ANSWER = "<|start|>assistant to=user<|message|>Here is the forecast.<|eot|>"
PARIS = ("weather.get", {"city": "Paris", "days": 3})


def parse(text: str):
    return get_hermes().parser("muse_glimmer").parse(text)


class TestMuseGlimmerConformance(ParserConformance):
    parser_name = "muse_glimmer"
    samples = [
        ParserSample(REASONING + CALL + ANSWER, [PARIS], content="Here is the forecast."),
        ParserSample(CALL, [PARIS]),
    ]


def test_invoke_echoed_in_reasoning_or_answer_is_not_a_call():
    text = REASONING + ANSWER.replace("Here is", '<atem:invoke name="x"></atem:invoke> Here is')
    parsed = parse(text)
    assert parsed.tool_calls == [] and parsed.content == text


def test_unterminated_reasoning_does_not_swallow_the_call():
    # vLLM _iter_messages: a message also ends where the next header starts
    text = " to=self<|message|>thinking without an end" + CALL
    assert calls(parse(text)) == [PARIS]


def test_no_framing_scans_everything():
    # vLLM _tool_channel_text: ATEM markup with no message header at all
    text = '<atem:function_calls><atem:invoke name="f"><atem:parameter name="q">a b</atem:parameter></atem:invoke></atem:function_calls>'
    assert calls(parse(text)) == [("f", {"q": "a b"})]


def test_values_json_when_json_else_verbatim():
    # vLLM _decode_value: json.loads, else the raw string
    text = (
        '<|start|>assistant to=t.f<|message|><atem:invoke name="t.f">'
        '<atem:parameter name="a">{"k": [1, 2]}</atem:parameter>'
        '<atem:parameter name="b"> spaced text </atem:parameter>'
        '<atem:parameter name="c">true</atem:parameter></atem:invoke><|eom|>'
    )
    assert calls(parse(text)) == [("t.f", {"a": {"k": [1, 2]}, "b": " spaced text ", "c": True})]


def test_truncated_invoke_is_not_a_call():
    text = '<|start|>assistant to=t.f<|message|><atem:invoke name="t.f"><atem:parameter name="a">1'
    assert parse(text).tool_calls == [] and parse(text).content == text
