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
    parameter_end = "</atem:parameter>"
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


def test_truncated_invoke_keeps_its_complete_parameters():
    """A stream sends an invoke's name once its tag closes and each parameter once closed, so a cut-off
    invoke stays a call with those (the cut-off value left out); cut inside its tag it is none."""
    text = '<|start|>assistant to=t.f<|message|><atem:invoke name="t.f"><atem:parameter name="a">1'
    assert calls(parse(text)) == [("t.f", {})] and parse(text).content is None
    text = text.replace(">1", '>1</atem:parameter><atem:parameter name="b">2')
    assert calls(parse(text)) == [("t.f", {"a": 1})]
    assert calls(parse(text + "<|eom|>")) == [("t.f", {"a": 1})]  # ended without </atem:invoke>
    cut = '<|start|>assistant to=t.f<|message|><atem:invoke name="t.f'
    assert parse(cut).tool_calls == [] and parse(cut).content == cut


def test_parameters_stream_one_by_one():
    """Issue 21: of 20 KB in 20 parameters, >= 90 % is sent before ``</atem:invoke>``."""
    import json

    part = "\n".join(f"    line {i}: print('x' * {i}) & more" for i in range(40))[:1000]
    body = "".join(f'<atem:parameter name="part_{i}">{part}</atem:parameter>\n' for i in range(20))
    text = (
        f'<|start|>assistant to=fs.write<|message|><atem:invoke name="fs.write">{body}</atem:invoke><|eom|>'
    )
    parser = get_hermes().parser("muse_glimmer")
    final = parser.parse(text).tool_calls[0].function.arguments
    assert len(json.loads(final)) == 20
    stream = parser.stream()
    names, sent = [], ""
    stop = text.index("</atem:invoke>")
    for start in range(0, stop, 16):
        for delta in stream.feed(text[start : min(start + 16, stop)]):
            names += [p.name for p in delta.tool_calls if p.name]
            sent += "".join(p.arguments or "" for p in delta.tool_calls)
        if start + 16 < text.index("</atem:parameter>"):
            assert sent in ("", "{")
    assert names == ["fs.write"] and final.startswith(sent) and len(sent) >= 0.9 * len(final)


def test_a_word_before_a_bare_message_token_is_content():
    """Found by the kit's random cuts: ``0<|message|>`` has no recipient, so the ``0`` is text before the
    first token (a stream forwards it at once), not part of a header."""
    text = "0<|message|>" + REASONING + CALL
    parsed = parse(text)
    assert calls(parsed) == [PARIS] and parsed.content == "0"
