"""functiongemma: conformance plus vLLM's tests/tool_parsers/test_functiongemma_tool_parser.py."""

import json

import pytest

from hermes_core.parsing_stream import join_deltas
from hermes_core.plugins import get_hermes
from hermes_testkit.parser_helpers import CODE_20KB, stream_until
from hermes_testkit.parsers import ParserConformance, ParserSample


def parser():
    return get_hermes().parser("functiongemma")


def args_of(text):
    (only,) = parser().parse(text).tool_calls
    return json.loads(only.function.arguments)


def call(name, args):
    return f"<start_function_call>call:{name}{{{args}}}<end_function_call>"


class TestFunctionGemmaConformance(ParserConformance):
    parser_name = "functiongemma"
    parameter_end = "<escape>"  # the first one opens the first string (the name is out by then)
    samples = [
        ParserSample(
            call("get_weather", "location:<escape>London<escape>"), [("get_weather", {"location": "London"})]
        ),
        ParserSample(
            "Let me check. "
            + call("get_weather", "location:<escape>London<escape>")
            + call("get_time", "timezone:<escape>UTC<escape>,offset:<escape>-2<escape>"),
            [("get_weather", {"location": "London"}), ("get_time", {"timezone": "UTC", "offset": -2})],
            content="Let me check.",
        ),
    ]


def test_no_tool_calls():
    # vLLM ::TestExtractToolCalls::test_no_tool_calls
    text = "Hello, how can I help you today?"
    assert parser().parse(text).content == text


def test_single_tool_call():
    # vLLM ::TestExtractToolCalls::test_single_tool_call
    (got,) = parser().parse(call("get_weather", "location:<escape>London<escape>")).tool_calls
    assert got.function.name == "get_weather" and '"location": "London"' in got.function.arguments


def test_multiple_arguments():
    # vLLM ::TestExtractToolCalls::test_multiple_arguments
    text = call("get_weather", "location:<escape>San Francisco<escape>,unit:<escape>celsius<escape>")
    assert args_of(text) == {"location": "San Francisco", "unit": "celsius"}


def test_text_before_tool_call():
    # vLLM ::TestExtractToolCalls::test_text_before_tool_call
    text = "Let me check the weather for you. " + call("get_weather", "location:<escape>Paris<escape>")
    assert parser().parse(text).content == "Let me check the weather for you."


def test_multiple_tool_calls():
    # vLLM ::TestExtractToolCalls::test_multiple_tool_calls
    text = call("get_weather", "location:<escape>London<escape>") + call(
        "get_time", "timezone:<escape>UTC<escape>"
    )
    assert [c.function.name for c in parser().parse(text).tool_calls] == ["get_weather", "get_time"]


@pytest.mark.parametrize(
    "args,expected",
    [  # vLLM ::TestParseArguments (every case)
        ("", {}),
        ("city:<escape>Tokyo<escape>", {"city": "Tokyo"}),
        ("city:<escape>Tokyo<escape>,country:<escape>Japan<escape>", {"city": "Tokyo", "country": "Japan"}),
        ("count:<escape>42<escape>", {"count": 42}),
        ("enabled:<escape>true<escape>", {"enabled": True}),
        ("message:<escape>Hello World<escape>", {"message": "Hello World"}),
    ],
)
def test_parse_arguments(args, expected):
    assert args_of(call("f", args)) == expected


@pytest.mark.parametrize(
    "chunks,expected",
    [  # vLLM ::TestExtractToolCallsStreaming (two and three keys)
        (
            [
                "<start_function_call>call:get_weather{",
                "ci",
                "ty:<escape>NYC<escape>",
                "unit:<escape>celsius<escape>",
                "}<end_function_call>",
            ],
            {"city": "NYC", "unit": "celsius"},
        ),
        (
            [
                "<start_function_call>call:search{",
                "query:<escape>python<escape>",
                "limit:<escape>10<escape>",
                "sort:<escape>relevance<escape>",
                "}<end_function_call>",
            ],
            {"query": "python", "limit": 10, "sort": "relevance"},
        ),
    ],
)
def test_streamed_arguments_form_valid_json(chunks, expected):
    stream = parser().stream()
    deltas = [d for chunk in chunks for d in stream.feed(chunk)] + stream.finish()
    _, calls = join_deltas(deltas)
    assert json.loads(calls[0]["function"]["arguments"]) == expected


def test_unclosed_last_call_runs_to_the_end_like_vllm():
    assert args_of("<start_function_call>call:f{a:<escape>1<escape>") == {"a": 1}


# vLLM's test_functiongemma_tool_parser.py::TestTemplateArgumentTypes (vLLM issue #63983): the chat
# template writes only strings in <escape>; booleans, numbers, arrays and objects are bare.
TEMPLATE_CALL = (
    "<start_function_call>call:set_alarm{"
    "days:[<escape>mon<escape>,<escape>tue<escape>],enabled:true,hour:7,"
    "label:<escape>Wake up<escape>,snooze:{minutes:5}}"
    "<end_function_call>"
)
TEMPLATE_ARGS = {
    "days": ["mon", "tue"],
    "enabled": True,
    "hour": 7,
    "label": "Wake up",
    "snooze": {"minutes": 5},
}


def test_non_streaming_keeps_every_argument():
    assert args_of(TEMPLATE_CALL) == TEMPLATE_ARGS


@pytest.mark.parametrize("size", [1, 3, 1000])
def test_streaming_keeps_every_argument(size):
    stream = parser().stream()
    chunks = [TEMPLATE_CALL[i : i + size] for i in range(0, len(TEMPLATE_CALL), size)]
    deltas = [d for chunk in chunks for d in stream.feed(chunk)] + stream.finish()
    _, calls = join_deltas(deltas)
    assert [(c["function"]["name"], json.loads(c["function"]["arguments"])) for c in calls] == [
        ("set_alarm", TEMPLATE_ARGS)
    ]


def test_streaming_multiple_arguments_reassemble_to_json():
    text = (
        "<start_function_call>call:get_weather{location:<escape>San Francisco<escape>,unit:<escape>celsius"
        "<escape>}<end_function_call><start_function_call>call:set_alarm{hour:7,snooze:{minutes:5}}"
        "<end_function_call>"
    )
    calls = parser().parse(text).tool_calls
    assert [(c.function.name, json.loads(c.function.arguments)) for c in calls] == [
        ("get_weather", {"location": "San Francisco", "unit": "celsius"}),
        ("set_alarm", {"hour": 7, "snooze": {"minutes": 5}}),
    ]


@pytest.mark.parametrize(
    ("args_text", "expected"),
    [
        ("a:null,b:None,c:false", {"a": None, "b": None, "c": False}),  # vLLM's _BARE_LITERALS
        ("a:<escape> spaced <escape>", {"a": " spaced "}),  # an <escape> string is kept as written
        ("a: 1.5 ,b:[]", {"a": 1.5, "b": []}),
        ("a:1,b:[1,", {"a": 1}),  # a value cut short ends the arguments, the ones before are kept
        ("a:1,b:{c:]", {"a": 1}),  # a wrong closer too
    ],
)
def test_bare_values_and_cut_values(args_text, expected):
    assert args_of(f"<start_function_call>call:f{{{args_text}}}<end_function_call>") == expected


def test_a_20_kb_argument_streams_before_the_call_ends():
    content = CODE_20KB
    text = "Writing it. " + call(
        "write_file", f"path:<escape>big.py<escape>,content:<escape>{content}<escape>,n:1"
    )
    stops = [text.index("path:") + 5, text.index(",n:1")]
    (names, sent), (_, sent_later) = stream_until(parser(), text, stops)[0]
    whole = parser().parse(text).tool_calls[0].function.arguments
    assert names == ["write_file"] and sent == "{", "the name goes out before the first value is written"
    assert whole.startswith(sent_later) and len(sent_later) >= 0.9 * len(whole)
    assert json.loads(whole) == {"path": "big.py", "content": content, "n": 1}


@pytest.mark.parametrize(
    "value,held",
    [
        ("-2", True),  # may be a number: <escape>-2<escape> decodes to -2
        ("tru", True),
        ("[1, 2", True),
        ('"quoted', True),
        ("42 ", True),
        ("42 apples", False),
        ("Paris", False),
        ("[1, 2] and more", False),
        ("{not json", False),
    ],
)
def test_an_escape_value_streams_once_it_cannot_be_json(value, held):
    text = "<start_function_call>call:f{a:<escape>" + value
    ((_, sent),), _ = stream_until(parser(), text, [len(text)])
    assert sent == ("{" if held else "{" + '"a": ' + json.dumps(value)[:-1])


@pytest.mark.parametrize(
    "text,expected",
    [
        ("<start_function_call>call:f{a:<escape>Paris, Fr", {"a": "Paris, Fr"}),  # cut off: what was written
        ("<start_function_call>call:f{a:<escape>4", {}),  # may still be a number: left out, as vLLM
        (
            "<start_function_call>call:f{a:<escape>x}<end_function_call>y<escape>}<end_function_call>",
            {"a": "x"},
        ),
    ],
)
def test_a_string_the_call_stops_inside(text, expected):
    assert args_of(text) == expected


@pytest.mark.parametrize(
    "value", ["lorem ipsum " * 40, "lorem\n" * 60, '"quoted"', " 42", "\ufeff1", "NaN", "Infinity"]
)
def test_escape_values_decode_as_json_loads_and_encode_as_the_core(value):
    """Values no JSON can start skip json.loads, long strings skip the C encoder: the text stays the same."""
    from hermes_core.parsing import encode_arguments

    try:
        expected = json.loads(value)
    except ValueError:
        expected = value
    (got,) = parser().parse(call("f", f"code:<escape>{value}<escape>")).tool_calls
    assert got.function.arguments == encode_arguments({"code": expected})


@pytest.mark.parametrize("at", [0, 500, 600, 2000])
def test_long_escape_value_ends_at_its_escape_past_lookalikes(at):
    """A long ``<escape>`` value ends at its ``<escape>`` past ``<``, ``}`` and marker-like text inside it
    (the searches look for one character of the marker first)."""
    value = "x" * at + "a < b <esc }<end_function }} " + "y" * 700
    (got,) = parser().parse(call("f", f"code:<escape>{value}<escape>,n:3")).tool_calls
    assert json.loads(got.function.arguments) == {"code": value, "n": 3}


def test_an_object_value_closed_by_what_turns_out_to_be_the_calls_own_brace():
    """Found by the random-cut conformance test (a loaded CI run): ``{a:{b:x}`` then
    ``<end_function_call>``. While the end marker was still arriving, ``}`` looked like the object
    value's close and the pair went out; the marker made it the call's close, so ``parse()`` drops the
    unfinished value. The pair now waits until what follows its ``}`` cannot be the end marker."""
    from hermes_testkit.parsers import assert_stream_matches_parse

    text = (
        '<start_function_call>call:get_weather{locati{"name":{"name":Let me check. '
        "<start_function_call>call:get_weather{location:<escape>London<escape>}<end_function_call><st"
    )
    for cut in range(1, len(text)):
        assert_stream_matches_parse(parser(), text, [text[:cut], text[cut:]])
    held = "<start_function_call>call:f{a:{b:1}<end_func"
    seen, calls = stream_until(parser(), held + "tion_call>", [len(held)])
    assert seen[0] in ((["f"], ""), (["f"], "{")) and json.loads(calls[0]["function"]["arguments"]) == {}
