"""Kimi-K3 XTML parser: conformance and the cases of vLLM's suite."""

from hermes_parser_kimi.k3 import KimiK3Parser
from hermes_parser_kimi.samples import K3_PARALLEL, K3_SINGLE

from hermes_testkit.parser_helpers import assert_cuts_match_parse
from hermes_testkit.parser_helpers import decoded_calls as calls
from hermes_testkit.parsers import ParserConformance, ParserSample

MESSAGE_CLOSE = "<|close|>message<|sep|>"


def call(name, *args):
    body = "".join(
        f'<|open|>argument key="{k}" type="{t}"<|sep|>{v}<|close|>argument<|sep|>' for k, t, v in args
    )
    return f'<|open|>call tool="{name}" index="1"<|sep|>{body}<|close|>call<|sep|>'


def tools(*calls_):
    return "<|open|>tools<|sep|>" + "".join(calls_) + "<|close|>tools<|sep|>"


class TestKimiK3Conformance(ParserConformance):
    parser_name = "kimi_k3"
    parameter_end = "<|close|>argument<|sep|>"
    samples = [
        ParserSample(
            K3_SINGLE,
            [("python", {"code": "print(sum(range(10)))", "timeout": 30})],
            content="Let me run that.",
        ),
        ParserSample(
            K3_PARALLEL,
            [
                ("get_weather", {"city": "Beijing"}),
                ("get_weather", {"city": "上海", "opts": {"unit": "celsius", "days": [1, 2]}}),
            ],
            content="Checking both.",
        ),
    ]


def test_string_values_raw_other_types_json():
    """vLLM kimi_k3_tool_parser._decode_call: string raw, others JSON (raw text when not JSON)."""
    text = tools(
        call(
            "f",
            ("s", "string", ' {"not": "decoded"} '),
            ("n", "number", "1.5"),
            ("b", "boolean", "true"),
            ("z", "null", "null"),
            ("bad", "object", "{oops"),
        )
    )
    assert calls(KimiK3Parser().parse(text)) == [
        ("f", {"s": ' {"not": "decoded"} ', "n": 1.5, "b": True, "z": None, "bad": "{oops"})
    ]


def test_attribute_values_unescaped():
    text = tools(
        '<|open|>call tool="a&amp;b" index="1"<|sep|><|open|>argument key="say &quot;hi&quot;" '
        'type="string"<|sep|>x<|close|>argument<|sep|><|close|>call<|sep|>'
    )
    assert calls(KimiK3Parser().parse(text)) == [("a&b", {'say "hi"': "x"})]


def test_call_without_tool_name_dropped_and_call_after_the_channel_dropped():
    text = (
        tools('<|open|>call index="1"<|sep|><|close|>call<|sep|>', call("ok"))
        + '<|open|>call tool="cut"<|sep|>'
    )
    assert calls(KimiK3Parser().parse(text)) == [("ok", {})]


def test_cut_off_call_kept_with_its_whole_arguments():
    """Cut off by max_tokens: what a stream has sent (the name, the closed arguments)."""
    whole = tools(call("f", ("a", "string", "1"), ("b", "number", "2")))
    cut = whole[: whole.index('<|open|>argument key="b"') + 30]
    assert calls(KimiK3Parser().parse(cut)) == [("f", {"a": "1"})]
    assert KimiK3Parser().parse(whole[: whole.index("index=")]).tool_calls == []  # the head is not whole


# vLLM tests/tool_parsers/test_kimi_k3_tool_parser.py::test_streaming_content_stops_at_message_close
def test_message_close_marker_not_in_content():
    text = "Hello" + MESSAGE_CLOSE + tools(call("f"))
    assert KimiK3Parser().parse(text).content == "Hello"


def test_no_call_keeps_the_whole_text():
    """vLLM unwraps the response channel even without a call; the hermes contract keeps the text."""
    text = "Hello" + MESSAGE_CLOSE
    assert KimiK3Parser().parse(text).content == text


# vLLM ...::test_streaming_content_holds_split_message_close (and stream == parse for every cut)
def test_stream_equals_parse_and_never_leaks_markers():
    parser = KimiK3Parser()
    for text in (K3_SINGLE, K3_PARALLEL, "Hello" + MESSAGE_CLOSE + tools(call("f", ("a", "string", "1")))):
        for content in assert_cuts_match_parse(parser, text, seed=2):
            assert "<|" not in (content or "")


def test_long_values_and_integers_give_the_core_encoders_text():
    """Long values skip the C string encoder when nothing needs escaping, plain integers skip json.loads:
    the arguments text must stay what encode_arguments gives (a 5,000-digit integer stays text, as
    json.loads refuses it)."""
    from hermes_core.parsing import encode_arguments

    for odd in ("", '"', "\\", "\n", "\x1f", "\x7f", "東", "\ud800"):
        value = "lorem ipsum " * 40 + odd
        big = "1" * 5000
        text = tools(call("f", ("code", "string", value), ("n", "integer", "30"), ("big", "integer", big)))
        got = KimiK3Parser().parse(text).tool_calls[0].function.arguments
        assert got == encode_arguments({"code": value, "n": 30, "big": big})


def test_long_value_with_bars_ends_at_its_close_tag():
    """The close tag of a long value is found past the ``|`` and tag-like text inside it (the search
    looks for ``|`` first)."""
    for at in (0, 490, 600, 2000):
        value = "x" * at + "a || b <|close|>argument<|se| " + "y" * 700
        text = tools(call("f", ("code", "string", value), ("n", "integer", "3")))
        assert calls(KimiK3Parser().parse(text)) == [("f", {"code": value, "n": 3})]
