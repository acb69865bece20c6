"""olmo3: conformance plus the cases of vLLM's tests/tool_parsers/test_olmo3_tool_parser.py."""

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

# vLLM tests/tool_parsers/test_olmo3_tool_parser.py (module constants)
SIMPLE, SIMPLE_CALL = PYTHONIC_SIMPLE
MORE_TYPES, MORE_TYPES_CALL = PYTHONIC_MORE_TYPES
PARAMETERLESS, EMPTY_DICT, EMPTY_LIST = PYTHONIC_PARAMETERLESS, PYTHONIC_EMPTY_DICT, PYTHONIC_EMPTY_LIST
ESCAPED = PYTHONIC_ESCAPED
MORE_TYPES_JSON_LITERALS = MORE_TYPES.replace("None", "null").replace("True", "true")


def wrap(body):
    return f"<function_calls>{body}</function_calls>"


def parser():
    return get_hermes().parser("olmo3")


def streamed(text, size):
    return streamed_calls(parser(), text, size)


class TestOlmo3Conformance(ParserConformance):
    parser_name = "olmo3"
    samples = [
        ParserSample(wrap(SIMPLE), [("get_weather", {"city": "San Francisco", "metric": "celsius"})]),
        ParserSample(
            "I'll look both up.\n" + wrap(f"{SIMPLE}\n{PARAMETERLESS[0]}\n"),
            [("get_weather", {"city": "San Francisco", "metric": "celsius"}), ("get_weather", {})],
            content="I'll look both up.",
        ),
    ]


@pytest.mark.parametrize(
    "body,expected",
    [  # vLLM ::test_tool_call (every id; streaming and not)
        pytest.param(SIMPLE, [SIMPLE_CALL], id="simple"),
        pytest.param(MORE_TYPES, [MORE_TYPES_CALL], id="more_types"),
        pytest.param(MORE_TYPES_JSON_LITERALS, [MORE_TYPES_CALL], id="more_types_json_literals"),
        pytest.param(PARAMETERLESS[0], [PARAMETERLESS[1]], id="parameterless"),
        pytest.param(EMPTY_DICT[0], [EMPTY_DICT[1]], id="empty_dict"),
        pytest.param(EMPTY_LIST[0], [EMPTY_LIST[1]], id="empty_list"),
        pytest.param(ESCAPED[0], [ESCAPED[1]], id="escaped_string"),
        pytest.param(f"{SIMPLE}\n{MORE_TYPES}", [SIMPLE_CALL, MORE_TYPES_CALL], id="parallel_calls"),
    ],
)
def test_tool_call(body, expected):
    parsed = parser().parse(wrap(body))
    assert parsed.content is None and exact(parsed) == expected
    for size in (1, 7, 64):
        assert streamed(wrap(body), size) == (None, expected)


def test_no_tool_call():
    # vLLM ::test_no_tool_call
    text = "How can I help you today?"
    assert parser().parse(text).content == text


def test_streaming_tool_call_with_large_steps():
    # vLLM ::test_streaming_tool_call_with_large_steps
    stream = parser().stream()
    deltas = stream.feed("<function_calls>get_weather(city='San")
    deltas += stream.feed(
        f" Francisco', metric='celsius')\n{PARAMETERLESS[0]}\n{EMPTY_LIST[0]}</function_calls>"
    )
    content, calls = join_deltas(deltas + stream.finish())
    assert content is None
    assert [(c["function"]["name"], c["function"]["arguments"]) for c in calls] == [
        SIMPLE_CALL,
        PARAMETERLESS[1],
        EMPTY_LIST[1],
    ]


def test_regex_timeout_input_is_content():
    # vLLM ::test_regex_timeout_handling (its input)
    text = "hello world[A(A=" + "\t)A(A=,\t" * 2
    assert parser().parse(text).content == text


def test_bad_sibling_call_does_not_drop_good_calls():
    # vLLM ::test_bad_sibling_call_does_not_drop_good_calls
    assert exact(parser().parse(wrap(f"bad(x=b'z')\n{SIMPLE}"))) == [SIMPLE_CALL]


def test_non_finite_argument_rejected():
    # vLLM ::test_non_finite_argument_rejected
    assert exact(parser().parse(wrap(f"calc(x=1e999)\n{SIMPLE}"))) == [SIMPLE_CALL]


def test_streaming_mismatched_brackets():
    # vLLM ::test_streaming_mismatched_brackets_reported_once (no calls)
    text = wrap("foo(x=1])")
    assert streamed(text, 1) == (text, [])


def test_unclosed_block_is_content():
    text = "<function_calls>get_weather(city='Paris')"
    assert parser().parse(text).content == text


# A call is only certain once its block is whole: vLLM's pythonic tests drop a call for what follows its
# name (bytes, 1e999, a wrong bracket) and a non-call element makes the block content, so this format
# sends its calls at ``</function_calls>``; these texts, cut every way, prove nothing goes out that
# ``parse()`` leaves out.
@pytest.mark.parametrize(
    "text,names",
    [
        (wrap(f"bad(x=b'z')\n{SIMPLE}"), ["get_weather"]),
        (wrap(f"calc(x=1e999)\n{SIMPLE}"), ["get_weather"]),
        (wrap("foo(x=1])"), []),
        (wrap(f"{SIMPLE}\n42"), []),
    ],
)
def test_stream_sends_nothing_a_later_part_takes_back(text, names):
    assert [c.function.name for c in parser().parse(text).tool_calls] == names
    assert_cuts_match_parse(parser(), text)
