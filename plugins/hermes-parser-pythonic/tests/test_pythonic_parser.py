"""pythonic: conformance plus the cases of vLLM's tests/tool_parsers/test_pythonic_tool_parser.py."""

import json

import pytest

from hermes_core.parsing_stream import join_deltas
from hermes_core.plugins import get_hermes
from hermes_testkit.parser_helpers import (
    PYTHONIC_EMPTY_DICT,
    PYTHONIC_EMPTY_LIST,
    PYTHONIC_ESCAPED,
    PYTHONIC_MORE_TYPES,
    PYTHONIC_PARAMETERLESS,
    PYTHONIC_SIMPLE,
    assert_cuts_match_parse,
    streamed_calls,
)
from hermes_testkit.parser_helpers import exact_calls as exact
from hermes_testkit.parsers import ParserConformance, ParserSample

# vLLM tests/tool_parsers/test_pythonic_tool_parser.py (module constants)
SIMPLE, SIMPLE_CALL = PYTHONIC_SIMPLE
MORE_TYPES, MORE_TYPES_CALL = PYTHONIC_MORE_TYPES
PARAMETERLESS, EMPTY_DICT, EMPTY_LIST = PYTHONIC_PARAMETERLESS, PYTHONIC_EMPTY_DICT, PYTHONIC_EMPTY_LIST
ESCAPED = PYTHONIC_ESCAPED

REFERENCE_CASES = [  # vLLM ::test_tool_call (every id, streaming and not)
    pytest.param(f"[{SIMPLE}]", [SIMPLE_CALL], id="simple"),
    pytest.param(f"[{MORE_TYPES}]", [MORE_TYPES_CALL], id="more_types"),
    pytest.param(f"[{PARAMETERLESS[0]}]", [PARAMETERLESS[1]], id="parameterless"),
    pytest.param(f"[{EMPTY_DICT[0]}]", [EMPTY_DICT[1]], id="empty_dict"),
    pytest.param(f"[{EMPTY_LIST[0]}]", [EMPTY_LIST[1]], id="empty_list"),
    pytest.param(f"[{ESCAPED[0]}]", [ESCAPED[1]], id="escaped_string"),
    pytest.param(f"[{SIMPLE}, {MORE_TYPES}]", [SIMPLE_CALL, MORE_TYPES_CALL], id="parallel_calls"),
]


def parser():
    return get_hermes().parser("pythonic")


def streamed(text, size):
    return streamed_calls(parser(), text, size)


class TestPythonicConformance(ParserConformance):
    parser_name = "pythonic"
    samples = [
        ParserSample(f"[{SIMPLE}]", [("get_weather", {"city": "San Francisco", "metric": "celsius"})]),
        ParserSample(
            f"[{SIMPLE}, {PARAMETERLESS[0]}, {EMPTY_LIST[0]}]",
            [
                ("get_weather", {"city": "San Francisco", "metric": "celsius"}),
                ("get_weather", {}),
                ("do_something_cool", {"steps": []}),
            ],
        ),
        # Llama 3.2 model-card format: one call, spaces and a negative number
        ParserSample(
            "[set_thermostat(room='living room', delta=-2.5, unit=\"C\")]",
            [("set_thermostat", {"room": "living room", "delta": -2.5, "unit": "C"})],
        ),
    ]


def test_no_tool_call():
    # vLLM ::test_no_tool_call
    text = "How can I help you today?"
    assert parser().parse(text).content == text and streamed(text, 3) == (text, [])


@pytest.mark.parametrize("text,expected", REFERENCE_CASES)
def test_tool_call(text, expected):
    # vLLM ::test_tool_call: exact arguments strings, content None, streamed too
    parsed = parser().parse(text)
    assert parsed.content is None and exact(parsed) == expected
    for size in (1, 5, 64):
        assert streamed(text, size) == (None, expected)


def test_streaming_tool_call_with_large_steps():
    # vLLM ::test_streaming_tool_call_with_large_steps
    stream = parser().stream()
    deltas = stream.feed("[get_weather(city='San")
    deltas += stream.feed(f" Francisco', metric='celsius'), {PARAMETERLESS[0]}, {EMPTY_LIST[0]}]")
    deltas += stream.finish()
    content, calls = join_deltas(deltas)
    assert content is None
    got = [(c["function"]["name"], c["function"]["arguments"]) for c in calls]
    assert got == [SIMPLE_CALL, PARAMETERLESS[1], EMPTY_LIST[1]]


def test_regex_timeout_input_is_content():
    # vLLM ::test_regex_timeout_handling (its input; no regex here to time out)
    text = "hello world[A(A=" + "\t)A(A=,\t" * 2
    assert parser().parse(text).content == text


def test_bad_sibling_call_does_not_drop_good_calls():
    # vLLM ::test_bad_sibling_call_does_not_drop_good_calls
    assert exact(parser().parse(f"[bad(x=b'z'), {SIMPLE}]")) == [SIMPLE_CALL]


def test_non_finite_argument_rejected():
    # vLLM ::test_non_finite_argument_rejected
    parsed = parser().parse(f"[calc(x=1e999), {SIMPLE}]")
    assert exact(parsed) == [SIMPLE_CALL]


def test_good_call_survives_unparsable_sibling():
    # vLLM ::test_good_call_survives_unparsable_sibling
    assert exact(parser().parse(f"[{SIMPLE}, f(a='x 'y', b='z')]")) == [SIMPLE_CALL]


def test_unrecoverable_block_still_reports_no_tool_call():
    # vLLM ::test_unrecoverable_block_still_reports_no_tool_call
    text = "[f(a='x 'y' 'z), g(b='p 'q' 'r)]"
    parsed = parser().parse(text)
    assert parsed.tool_calls == [] and parsed.content == text


def test_streaming_mismatched_brackets():
    # vLLM ::test_streaming_mismatched_brackets_reported_once (no calls, text kept)
    text = "[foo(x=1])]"
    assert streamed(text, 1) == (text, [])


@pytest.mark.parametrize(
    "text",
    [
        "[1, 2, 3]",
        "[get_weather(city='Paris')] and then some prose",
        "Here you go: [get_weather(city='Paris')]",
        "[get_weather(city=__import__('os').system('true'))]",
        "[a(x=1), 42]",
        "[]",
    ],
)
def test_not_a_call_list_is_content(text):
    parsed = parser().parse(text)
    assert parsed.tool_calls == [] and parsed.content == text


def test_values_vllm_accepts():
    """vLLM's shared helpers: tuples and sets as lists, JSON spellings, dotted names, f-strings."""
    text = "[ns.tool.run(size=(800, 600), tags={'a'}, ok=true, none=null, label=f'hi', n=-3)]"
    (call,) = parser().parse(text).tool_calls
    assert call.function.name == "ns.tool.run"
    assert json.loads(call.function.arguments) == {
        "size": [800, 600],
        "tags": ["a"],
        "ok": True,
        "none": None,
        "label": "hi",
        "n": -3,
    }


def test_raw_newline_inside_a_string_argument():
    (call,) = parser().parse("[terminal(command='echo a\necho b')]").tool_calls
    assert json.loads(call.function.arguments) == {"command": "echo a\necho b"}


def test_reasoning_before_the_list():
    text = "<think>I need the weather.</think>\n[get_weather(city='Paris')]"
    parsed = parser().parse(text)
    assert parsed.content == "<think>I need the weather.</think>"
    assert exact(parsed) == [("get_weather", '{"city": "Paris"}')]


@pytest.mark.parametrize("bait", ["[", "[a(x='", "[a(", "[" * 50 + "a()" + "]" * 50])
def test_bait_is_content(bait):
    text = bait * 2000 + "]"
    assert parser().parse(text).content == text


def test_fast_scanner_agrees_with_the_ast_path():
    """The shared decoder's plain-list scanner answers exactly as the ``ast`` path wherever it answers."""
    import ast
    import random

    from hermes_core import parsing_pythonic as pp

    rng = random.Random(7)
    atoms = [
        "'a b'",
        '"x\'y"',
        "1",
        "-2",
        "3.5",
        "-0.0",
        "1e5",
        "1e999",
        "True",
        "false",
        "null",
        "None",
        "[]",
        "{}",
        "b'z'",
        "(1, 2)",
        "{'k': 1}",
        "[1, [2, [3]]]",
        "'tab\there'",
        "07",
        "1_0",
        "x",
        "f'q'",
        # escapes: the shared ones are read into JSON text directly, the rest go to ``ast``
        r"'a\nb\tc'",
        r'"q\"x"',
        r"'it\'s'",
        r'"it\'s"',
        r"'x\"y\n'",
        "'x\"y'",
        r"'\\'",
        r"'a\\\'b'",
        r"'a\\\"b'",
        r"'\x41\u00e9'",
        "'l1\nl2'",
        r"'\\n'",
        "'a\\\nb'",
        "'" + "long line \t" * 30 + "'",
        "'" + "long line" * 30 + "'",
        "'" + 'long \\n \\\\ \\" line' * 30 + "'",
        "'" + "long line\x01" * 30 + "'",
        "12345678901234567",
        "-0",
        "True(1)",
        "'x' 'y'",
        "'''x'''",
        "'é \u2028 \x7f'",
        r"'\\d+ \\\\ \\\n \\\' \\\"" + "'",
        r"'say \"hi\" and \"bye\"' ",
        r"'a\\\"b \"c\" \'d\''",
        r'"a\\\"b \'c\' \"d\""',
        repr('print("x\\n")\n' * 40),
        repr('it\'s \\ "q"\t' * 30),
        r"'\N{DASH}'",
        "'a\\\t\tb'",
    ]

    def value(depth=0):
        r = rng.random()
        if depth < 2 and r < 0.2:
            return (
                "["
                + ", ".join(value(depth + 1) for _ in range(rng.randint(0, 3)))
                + rng.choice(["", ","])
                + "]"
            )
        if depth < 2 and r < 0.3:
            return "{" + ", ".join(f"'k{i}': {value(depth + 1)}" for i in range(rng.randint(0, 3))) + "}"
        return rng.choice(atoms)

    def call():
        name = rng.choice(["f", "get_weather", "ns.tool", "from", "_x"])

        def space():
            return rng.choice(["", "", " ", "\n  "])

        kws = ("," + space()).join(
            f"{rng.choice(['a', 'b', 'city', 'class'])}{space()}={space()}{value()}{space()}"
            for _ in range(rng.randint(0, 3))
        )
        return f"{name}({space()}{kws}{rng.choice(['', ','])})" if kws else f"{name}()"

    answered = 0
    for _ in range(3000):
        src = "[" + ", ".join(call() for _ in range(rng.randint(0, 3))) + rng.choice(["", ",", " "]) + "]"
        fast = pp._fast_decode(src)
        if fast is None:
            continue
        answered += 1
        node = pp._parse_expression(src) or pp._parse_expression(pp._escape_control_characters(src))
        assert isinstance(node, ast.List) and all(isinstance(e, ast.Call) for e in node.elts), src
        slow = [c for c in (pp._tool_call(e) for e in node.elts) if c is not None]
        pair = [(c.function.name, c.function.arguments) for c in fast]
        assert pair == [(c.function.name, c.function.arguments) for c in slow], src
    assert answered > 400


# A call is only certain once the list is whole: vLLM's tests above drop a call for what follows its
# name (bytes, 1e999, a broken quote, a wrong bracket), and a non-call element or prose after the list
# makes the whole completion content. So this format sends its calls when the text ends; these texts,
# cut every way, prove no call or argument goes out that ``parse()`` then leaves out.
@pytest.mark.parametrize(
    "text,names",
    [
        (f"[bad(x=b'z'), {SIMPLE}]", ["get_weather"]),
        (f"[calc(x=1e999), {SIMPLE}]", ["get_weather"]),
        (f"[{SIMPLE}, f(a='x 'y', b='z')]", ["get_weather"]),
        ("[foo(x=1])]", []),
        (f"[{SIMPLE}, 42]", []),
        (f"[{SIMPLE}] and then some prose", []),
    ],
)
def test_stream_sends_nothing_a_later_part_takes_back(text, names):
    assert [c.function.name for c in parser().parse(text).tool_calls] == names
    assert_cuts_match_parse(parser(), text)
