"""gemma4: conformance plus the cases of vLLM's tests/tool_parsers/test_gemma4_tool_parser.py and
tests/tool_parsers/test_gemma4_regex_and_bare_calls.py."""

import json

import pytest

from hermes_core.parsing_stream import join_deltas
from hermes_core.plugins import get_hermes
from hermes_testkit.parser_helpers import CODE_20KB, stream_until
from hermes_testkit.parsers import ParserConformance, ParserSample

Q = '<|"|>'


def parser():
    return get_hermes().parser("gemma4")


def call(name, args):
    return f"<|tool_call>call:{name}{{{args}}}<tool_call|>"


def one(args_text):
    (only,) = parser().parse(call("f", args_text)).tool_calls
    return json.loads(only.function.arguments)


class TestGemma4Conformance(ParserConformance):
    parser_name = "gemma4"
    parameter_end = Q  # the first one opens the first string (the name is out by then), the next closes it
    samples = [
        ParserSample(
            call("get_weather", f"location:{Q}London{Q}"), [("get_weather", {"location": "London"})]
        ),
        ParserSample(
            "Let me check the weather for you. "
            + call("get_weather", f"location:{Q}San Francisco{Q},unit:{Q}celsius{Q}")
            + call("get_time", f"location:{Q}London{Q}"),
            [
                ("get_weather", {"location": "San Francisco", "unit": "celsius"}),
                ("get_time", {"location": "London"}),
            ],
            content="Let me check the weather for you.",
        ),
        ParserSample(
            call(
                "complex_function",
                f"label:{Q}mixed{Q},nested:{{inner:{Q}value{Q}}},list:[{Q}a{Q},{Q}b{Q}],n:-2,ok:true",
            ),
            [
                (
                    "complex_function",
                    {"label": "mixed", "nested": {"inner": "value"}, "list": ["a", "b"], "n": -2, "ok": True},
                )
            ],
        ),
    ]


# vLLM ::TestParseGemma4Args (each value grammar case, read through a whole call)
@pytest.mark.parametrize(
    "args_text,expected",
    [
        ("", {}),  # test_empty_string
        ("   ", {}),  # test_whitespace_only
        (f"location:{Q}Paris{Q}", {"location": "Paris"}),  # test_single_string_value
        (f"location:{Q}Paris, France{Q}", {"location": "Paris, France"}),  # test_string_value_with_comma
        (
            f"location:{Q}San Francisco{Q},unit:{Q}celsius{Q}",
            {"location": "San Francisco", "unit": "celsius"},
        ),
        ("count:42", {"count": 42}),  # test_integer_value
        ("score:3.14", {"score": 3.14}),  # test_float_value
        ("flag:true", {"flag": True}),  # test_boolean_true
        ("flag:false", {"flag": False}),  # test_boolean_false
        ("param:null", {"param": None}),  # test_null_value
        (
            f"name:{Q}test{Q},count:42,active:true,score:3.14",
            {"name": "test", "count": 42, "active": True, "score": 3.14},
        ),  # test_mixed_types
        (f"nested:{{inner:{Q}value{Q}}}", {"nested": {"inner": "value"}}),  # test_nested_object
        (f"record_map:{{{Q}3{Q}:{Q}new text{Q}}}", {"record_map": {"3": "new text"}}),  # string-delimited key
        (
            f"outer:{{inner:{{{Q}3{Q}:{Q}new text{Q}}}}}",
            {"outer": {"inner": {"3": "new text"}}},
        ),  # nested key
        (f"items:[{Q}a{Q},{Q}b{Q}]", {"items": ["a", "b"]}),  # test_array_of_strings
        ("key:", {"key": ""}),  # test_empty_value
        ("left:108.,right:22.8", {"left": 108.0, "right": 22.8}),  # test_trailing_dot_float (non-partial)
        (f"a:[[{Q}a]b{Q},{Q}c{Q}],{Q}tail{Q}]", {"a": [["a]b", "c"], "tail"]}),  # string with closing bracket
        ("a:[42,true,3.14]", {"a": [42, True, 3.14]}),  # TestParseGemma4Array::test_bare_values
        ("a:[]", {"a": []}),  # TestParseGemma4Array::test_empty_array
    ],
)
def test_argument_values(args_text, expected):
    assert one(args_text) == expected


def test_no_call():
    text = "Hello, how can I help you today?"  # ::TestExtractToolCalls::test_no_tool_calls
    parsed = parser().parse(text)
    assert parsed.tool_calls == [] and parsed.content == text


@pytest.mark.parametrize(
    "text,expected",
    [
        # ::test_incomplete_tool_call: a cut-off string keeps what was written
        (f"<|tool_call>call:get_weather{{location:{Q}London", ("get_weather", {"location": "London"})),
        # ::TestParseGemma4Args::test_unterminated_string: it takes the rest of the text
        (
            f"<|tool_call>call:get_weather{{location:{Q}unterminated}}<tool_call|>",
            ("get_weather", {"location": "unterminated}<tool_call|>"}),
        ),
        # ::test_malformed_partial_array (must not hang): the pairs before the bad spot are kept
        ("<|tool_call>call:f{:[t:[]}<tool_call|>", ("f", {})),
        (f"<|tool_call>call:f{{a:1,b:{Q}x{Q}junk:[}}<tool_call|>", ("f", {"a": 1, "b": "x"})),
        ("<|tool_call>call:f{a:1,b:2", ("f", {"a": 1, "b": 2})),  # vLLM's non-partial read keeps ``2``
        ("<|tool_call>call:f{a:1}junk", ("f", {"a": 1})),
    ],
)
def test_cut_off_or_broken_calls_keep_their_name(text, expected):
    """A stream sends the name once ``call:NAME{`` is written (vLLM's too): the call stays, whatever
    follows, with the pairs that were complete."""
    (got,) = parser().parse(text).tool_calls
    assert (got.function.name, json.loads(got.function.arguments)) == expected


@pytest.mark.parametrize(
    "text,name,args",
    [
        (call("get_weather", f"location:{Q}London{Q}"), "get_weather", {"location": "London"}),  # single
        (call("get-weather", f"location:{Q}London{Q}"), "get-weather", {"location": "London"}),  # hyphenated
        (call("weather.get", f"location:{Q}London{Q}"), "weather.get", {"location": "London"}),  # dotted
        ("<|tool_call>call:get_status{}<tool_call|>", "get_status", {}),  # ::test_no_arguments
        (
            call("set_status", "is_active:true,count:42,score:3.14"),
            "set_status",
            {"is_active": True, "count": 42, "score": 3.14},
        ),  # ::test_tool_call_with_number_and_boolean
        # vLLM tests/tool_parsers/test_gemma4_regex_and_bare_calls.py
        (call("bash", f"command:{Q}ls -la /work{Q}"), "bash", {"command": "ls -la /work"}),  # canonical
        (
            f"<|tool_call>call:gdb{{args:{Q}-batch -ex run /tmp/poc{Q}}}<turn|>",
            "gdb",
            {"args": "-batch -ex run /tmp/poc"},
        ),  # test_turn_end_closure_instead_of_tool_call_end
        (f"<|tool_call>:call:bash{{command:{Q}pytest{Q}}}", "bash", {"command": "pytest"}),  # colon prefix
    ],
)
def test_single_calls(text, name, args):
    (got,) = parser().parse(text).tool_calls
    assert got.function.name == name and json.loads(got.function.arguments) == args


def test_text_before_tool_call():
    # vLLM ::TestExtractToolCalls::test_text_before_tool_call
    parsed = parser().parse(
        "Let me check the weather for you. " + call("get_weather", f"location:{Q}Paris{Q}")
    )
    assert parsed.content == "Let me check the weather for you."


def test_multiple_sequential_canonical_calls():
    # vLLM test_gemma4_regex_and_bare_calls.py::test_multiple_sequential_canonical_calls
    text = call("read_file", f"path:{Q}/work/Makefile{Q}") + "\n" + call("bash", f"command:{Q}make -j8{Q}")
    assert [c.function.name for c in parser().parse(text).tool_calls] == ["read_file", "bash"]


def test_end_tag_inside_a_string_does_not_cut_the_call():
    """vLLM's ``\\{(.*?)\\}<tool_call\\|>`` regex cuts here; the structured read does not."""
    text = call("echo", f"text:{Q}a}}<tool_call|>b{Q}")
    assert one_of(text) == {"text": "a}<tool_call|>b"}


def one_of(text):
    (only,) = parser().parse(text).tool_calls
    return json.loads(only.function.arguments)


def test_streaming_gives_the_same_calls():
    # vLLM ::TestStreamingExtraction: streamed argument deltas form the final JSON
    text = "Checking. " + call("get_weather", f"location:{Q}Paris, France{Q},days:3")
    for size in (1, 2, 5):
        stream = parser().stream()
        deltas = []
        for i in range(0, len(text), size):
            deltas += stream.feed(text[i : i + size])
        deltas += stream.finish()
        content, calls = join_deltas(deltas)
        assert content == "Checking."
        assert json.loads(calls[0]["function"]["arguments"]) == {"location": "Paris, France", "days": 3}


# vLLM's test_gemma4_tool_parser.py::TestBareAndMalformedOpeners (vLLM issue #53431)
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            '<|tool_call>:get_weather{location:<|"|>London<|"|>}<tool_call|>',
            [("get_weather", {"location": "London"})],
        ),
        (
            '<|tool_call>:get_weather{location:<|"|>Tokyo<|"|>,unit:<|"|>celsius<|"|>}<tool_call|>',
            [("get_weather", {"location": "Tokyo", "unit": "celsius"})],
        ),
        ("<|tool_call>:set_status{}<tool_call|>", [("set_status", {})]),
        (
            '<|tool_call>call:search{input:<|"|>hello<|"|>}<tool_call|><|tool_call>:set{flag:true,count:5}<tool_call|>',
            [("search", {"input": "hello"}), ("set", {"flag": True, "count": 5})],
        ),
    ],
)
def test_bare_opener(text, expected):
    calls = parser().parse(text).tool_calls
    assert [(c.function.name, json.loads(c.function.arguments)) for c in calls] == expected


def test_bare_opener_colon_in_content_not_broken():
    parsed = parser().parse('Hello: world<|tool_call>:get_weather{location:<|"|>London<|"|>}<tool_call|>')
    assert parsed.content == "Hello: world" and parsed.tool_calls[0].function.name == "get_weather"


def test_a_20_kb_argument_streams_before_the_call_ends():
    content = CODE_20KB
    text = "Writing it. " + call("write_file", f"path:{Q}big.py{Q},content:{Q}{content}{Q},mode:420")
    first_value_ends = text.index(Q, text.index(Q) + 1)
    (names, sent), (names_later, sent_later) = stream_until(
        parser(), text, [first_value_ends, text.index(",mode:")]
    )[0]
    whole = parser().parse(text).tool_calls[0].function.arguments
    assert names == ["write_file"] and whole.startswith(sent), "the name goes out before the first value ends"
    assert whole.startswith(sent_later) and len(sent_later) >= 0.9 * len(whole)
    _, calls = stream_until(parser(), text, [])
    assert [(c["function"]["name"], c["function"]["arguments"]) for c in calls] == [("write_file", whole)]
    assert json.loads(whole) == {"path": "big.py", "content": content, "mode": 420}


def test_numbers_and_nested_values_are_held_until_complete():
    text = "<|tool_call>call:f{n:12,o:{a:1},s:" + Q + "ab<|"
    stops = [
        text.index("n:1") + 3,
        text.index(",o:") + 1,
        text.index("{a:1") + 4,
        text.index(",s:"),
        len(text),
    ]
    sent = [arguments for _, arguments in stream_until(parser(), text, stops)[0]]
    assert sent == [
        "{",
        '{"n": 12',
        '{"n": 12',
        '{"n": 12, "o": {"a": 1}',
        '{"n": 12, "o": {"a": 1}, "s": "ab',
    ]


@pytest.mark.parametrize(
    "name,quoted,real",
    [
        ("gemma4", call("get_weather", f"city:{Q}Rome{Q}"), call("get_time", f"tz:{Q}UTC{Q}")),
        (
            "functiongemma",
            "<start_function_call>call:get_weather{city:<escape>Rome<escape>}<end_function_call>",
            "<start_function_call>call:get_time{tz:<escape>UTC<escape>}<end_function_call>",
        ),
    ],
)
def test_a_later_think_end_never_takes_back_a_streamed_call(name, quoted, real):
    """Qwen3-style reasoning has no opening tag: a call written before ``</think>`` may have been streamed
    by then, so it counts (as in vLLM's tool parsers when no reasoning parser runs first); a call inside
    ``<think>...</think>`` is reasoning. Every cut streams what parse() gives."""
    from hermes_testkit.parser_helpers import assert_cuts_match_parse

    hermes_parser = get_hermes().parser(name)
    text = "I could write " + quoted + " but first</think>\n\n" + real
    assert [c.function.name for c in hermes_parser.parse(text).tool_calls] == ["get_weather", "get_time"]
    assert_cuts_match_parse(hermes_parser, text, sizes=(1, 2, 5, 13), random_cuts=8)
    closed = "<think>maybe " + quoted + "</think>\n" + real
    assert [c.function.name for c in hermes_parser.parse(closed).tool_calls] == ["get_time"]
    assert_cuts_match_parse(hermes_parser, closed, sizes=(1, 2, 5, 13), random_cuts=8)


@pytest.mark.parametrize("odd", ["", '"', "\\", "\n", "\x1f", "\x7f", "東", "\ud800"])
def test_long_string_arguments_text_is_the_core_encoders(odd):
    """Long strings skip the C string encoder when nothing needs escaping: the text must stay the same."""
    from hermes_core.parsing import encode_arguments

    value = "lorem ipsum " * 40 + odd
    (got,) = parser().parse(call("f", f'code:<|"|>{value}<|"|>,n:3')).tool_calls
    assert got.function.arguments == encode_arguments({"code": value, "n": 3})


@pytest.mark.parametrize("at", [0, 500, 600, 2000])
def test_long_string_ends_at_its_delimiter_past_bars(at):
    """A long string ends at its ``<|"|>`` past the ``|`` and delimiter-like text inside it (the search
    looks for ``|`` first)."""
    value = "x" * at + 'a || b <|" <"|> ' + "y" * 700
    (got,) = parser().parse(call("f", f'code:<|"|>{value}<|"|>,n:3')).tool_calls
    assert json.loads(got.function.arguments) == {"code": value, "n": 3}
