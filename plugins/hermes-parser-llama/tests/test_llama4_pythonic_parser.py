"""llama4_pythonic: conformance plus vLLM's tests/tool_parsers/test_llama4_pythonic_tool_parser.py."""

import pytest

from hermes_core.parsing_stream import join_deltas
from hermes_core.plugins import get_hermes
from hermes_testkit.parser_helpers import assert_cuts_match_parse, streamed_calls
from hermes_testkit.parser_helpers import exact_calls as exact
from hermes_testkit.parsers import ParserConformance, ParserSample

# vLLM tests/tool_parsers/test_llama4_pythonic_tool_parser.py (module constants)
SIMPLE = "[get_weather(city='LA', metric='C')]"
SIMPLE_CALL = ("get_weather", '{"city": "LA", "metric": "C"}')
MORE_TYPES = (
    "[register_user(name='Doe', age=9, address={'city': 'LA', 'state': 'CA'}, role=None, "
    "passed_test=True, aliases=['John', 'Johnny'])]"
)
MORE_TYPES_CALL = (
    "register_user",
    '{"name": "Doe", "age": 9, "address": {"city": "LA", "state": "CA"}, "role": null, '
    '"passed_test": true, "aliases": ["John", "Johnny"]}',
)
REGISTER_CALL = ("register_user", '{"name": "Doe", "age": 9}')
ESCAPED = r"[get_weather(city='Martha\'s Vineyard', metric='\"cool units\"')]"
ESCAPED_CALL = ("get_weather", '{"city": "Martha\'s Vineyard", "metric": "\\"cool units\\""}')

REFERENCE_CASES = [  # vLLM ::test_tool_call (every id)
    pytest.param(ESCAPED, [ESCAPED_CALL], id="escaped_string"),
    pytest.param(SIMPLE, [SIMPLE_CALL], id="simple"),
    pytest.param(MORE_TYPES, [MORE_TYPES_CALL], id="more_types"),
    pytest.param("[get_weather()]", [("get_weather", "{}")], id="parameterless"),
    pytest.param(
        "[do_something_cool(additional_data={})]",
        [("do_something_cool", '{"additional_data": {}}')],
        id="empty_dict",
    ),
    pytest.param("[do_something_cool(steps=[])]", [("do_something_cool", '{"steps": []}')], id="empty_list"),
    pytest.param(
        "[get_weather(city='LA',metric='C'),register_user(name='Doe',age=9)]",
        [SIMPLE_CALL, REGISTER_CALL],
        id="parallel_calls",
    ),
    pytest.param(f"<|python_start|>{SIMPLE}<|python_end|>", [SIMPLE_CALL], id="python_tag"),
    pytest.param(
        "<|python_start|>[get_weather(city='LA', metric='C'),register_user(name='Doe', age=9)]",
        [SIMPLE_CALL, REGISTER_CALL],
        id="parallel_calls_python_start",
    ),
    pytest.param(
        "<|python_start|>[get_weather(city='LA', metric='C'), register_user(name='Doe', age=9)]",
        [SIMPLE_CALL, REGISTER_CALL],
        id="parallel_calls_python_start_spaced",
    ),
]


def parser():
    return get_hermes().parser("llama4_pythonic")


def streamed(text, size):
    return streamed_calls(parser(), text, size)


class TestLlama4PythonicConformance(ParserConformance):
    parser_name = "llama4_pythonic"
    samples = [
        ParserSample(SIMPLE, [("get_weather", {"city": "LA", "metric": "C"})]),
        ParserSample(
            "<|python_start|>[web_search(query='vLLM release notes', max_results=5), "
            "get_time(timezone='America/Los_Angeles')]<|python_end|><|eom|>",
            [
                ("web_search", {"query": "vLLM release notes", "max_results": 5}),
                ("get_time", {"timezone": "America/Los_Angeles"}),
            ],
        ),
    ]


def test_no_tool_call():
    # vLLM ::test_no_tool_call
    text = "How can I help you today?"
    assert parser().parse(text).content == text and streamed(text, 2) == (text, [])


@pytest.mark.parametrize("text,expected", REFERENCE_CASES)
def test_tool_call(text, expected):
    # vLLM ::test_tool_call (streaming and not)
    parsed = parser().parse(text)
    assert exact(parsed) == expected and parsed.content is None
    for size in (1, 7, 64):
        assert streamed(text, size) == (None, expected)


def test_streaming_tool_call_with_large_steps():
    # vLLM ::test_streaming_tool_call_with_large_steps
    text = (
        "<|python_start|>[get_weather(city='LA', metric='C'), get_weather(), "
        "do_something_cool(steps=[])]<|python_end|>"
    )
    stream = parser().stream()
    content, calls = join_deltas(stream.feed(text) + stream.finish())
    assert content is None
    got = [(c["function"]["name"], c["function"]["arguments"]) for c in calls]
    assert got == [SIMPLE_CALL, ("get_weather", "{}"), ("do_something_cool", '{"steps": []}')]


def test_regex_timeout_input_is_content():
    # vLLM ::test_regex_timeout_handling (its input)
    text = "hello world[A(A=" + "\t)A(A=,\t" * 2
    assert parser().parse(text).content == text


def test_bad_sibling_call_does_not_drop_good_calls():
    # vLLM ::test_bad_sibling_call_does_not_drop_good_calls
    text = "<|python_start|>[bad(x=b'z'), get_weather(city='LA', metric='C')]<|python_end|>"
    assert exact(parser().parse(text)) == [SIMPLE_CALL]


def test_non_finite_argument_rejected():
    # vLLM ::test_non_finite_argument_rejected
    text = "<|python_start|>[calc(x=1e999), get_weather(city='LA', metric='C')]<|python_end|>"
    assert exact(parser().parse(text)) == [SIMPLE_CALL]


def test_streaming_mismatched_brackets():
    # vLLM ::test_streaming_mismatched_brackets_reported_once (no calls)
    text = "<|python_start|>[foo(x=1])]<|python_end|>"
    assert streamed(text, 1) == (text, [])


def test_text_before_python_start_is_content():
    """Deliberate difference: vLLM needs the completion to *start* with the list or the tag."""
    parsed = parser().parse("Let me check.<|python_start|>[get_weather(city='LA', metric='C')]<|python_end|>")
    assert exact(parsed) == [SIMPLE_CALL] and parsed.content == "Let me check."


# A call is only certain once its block is whole: vLLM's pythonic tests drop a call for what follows its
# name (bytes, 1e999, a wrong bracket) and a non-call element makes the block content, so this format
# sends its calls at the end of the text (text after the list makes it content); these texts, cut
# every way, prove nothing goes out that ``parse()`` leaves out.
@pytest.mark.parametrize(
    "text,names",
    [
        (f"<|python_start|>[bad(x=b'z'), {SIMPLE[1:-1]}]<|python_end|>", ["get_weather"]),
        (f"<|python_start|>[calc(x=1e999), {SIMPLE[1:-1]}]<|python_end|>", ["get_weather"]),
        ("<|python_start|>[foo(x=1])]<|python_end|>", []),
        (f"<|python_start|>[{SIMPLE[1:-1]}, 42]<|python_end|>", []),
        (f"{SIMPLE} and then some prose", []),
    ],
)
def test_stream_sends_nothing_a_later_part_takes_back(text, names):
    assert [c.function.name for c in parser().parse(text).tool_calls] == names
    assert_cuts_match_parse(parser(), text)
