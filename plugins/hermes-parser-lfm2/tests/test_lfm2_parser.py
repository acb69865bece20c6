# ruff: noqa: E501  (model outputs quoted whole, as in the reference suites)
"""``lfm2``: cases from vLLM tests/tool_parsers/test_lfm2_tool_parser.py."""

from __future__ import annotations

import json

import pytest

from hermes_core.parsing_stream import join_deltas
from hermes_core.plugins import get_hermes
from hermes_testkit.parser_helpers import assert_cuts_match_parse
from hermes_testkit.parsers import ParserConformance, ParserSample

START, END = "<|tool_call_start|>", "<|tool_call_end|>"
SIMPLE = "get_candidate_status(candidate_id='12345')"
SIMPLE_CALL = ("get_candidate_status", '{"candidate_id": "12345"}')
MORE_TYPES = (
    "register_user(name='John Doe', age=37, address={'city': 'San Francisco', 'state': 'CA'}, "
    "role=None, passed_test=True, aliases=['John', 'Johnny'])"
)
MORE_TYPES_CALL = (
    "register_user",
    '{"name": "John Doe", "age": 37, "address": {"city": "San Francisco", "state": "CA"}, '
    '"role": null, "passed_test": true, "aliases": ["John", "Johnny"]}',
)


def wrap(tool_text: str, content_after: str = "") -> str:
    return f"{START}[{tool_text}]{END}" + (f"\n{content_after}" if content_after else "")


def parse(text: str):
    return get_hermes().parser("lfm2").parse(text)


def exact(parsed):
    return [(c.function.name, c.function.arguments) for c in parsed.tool_calls]


class TestLfm2Conformance(ParserConformance):
    parser_name = "lfm2"
    samples = [
        ParserSample(wrap(SIMPLE), [("get_candidate_status", {"candidate_id": "12345"})]),
        ParserSample(
            "Let me look that up.\n" + wrap(SIMPLE + ", get_weather()", "Checking the current status."),
            [("get_candidate_status", {"candidate_id": "12345"}), ("get_weather", {})],
            content="Let me look that up.\nChecking the current status.",
        ),
    ]


# vLLM ...::TEST_CASES (test_tool_call): every call shape, compared byte for byte as vLLM does
CASES = [
    pytest.param(SIMPLE, [SIMPLE_CALL], id="simple"),
    pytest.param(MORE_TYPES, [MORE_TYPES_CALL], id="more_types"),
    pytest.param("get_weather()", [("get_weather", "{}")], id="parameterless"),
    pytest.param(
        "do_something_cool(additional_data={})",
        [("do_something_cool", '{"additional_data": {}}')],
        id="empty_dict",
    ),
    pytest.param("do_something_cool(steps=[])", [("do_something_cool", '{"steps": []}')], id="empty_list"),
    pytest.param(
        r"get_weather(city='Martha\'s Vineyard', metric='\"cool units\"')",
        [("get_weather", '{"city": "Martha\'s Vineyard", "metric": "\\"cool units\\""}')],
        id="escaped_string",
    ),
    pytest.param(f"{SIMPLE}, {MORE_TYPES}", [SIMPLE_CALL, MORE_TYPES_CALL], id="parallel_calls"),
    pytest.param(
        "grocery.orderIngredients(ingredientList=[{'name': 'Lasagna noodles', 'amount': 250, 'unit': 'g'}], "
        "deliveryAddress='845 Willow Lane, Springfield, IL 62704')",
        [
            (
                "grocery.orderIngredients",
                '{"ingredientList": [{"name": "Lasagna noodles", "amount": 250, "unit": "g"}], '
                '"deliveryAddress": "845 Willow Lane, Springfield, IL 62704"}',
            )
        ],
        id="dotted_name",
    ),
    pytest.param(
        "exec(command='grep -F \"]\" log.txt')",
        [("exec", '{"command": "grep -F \\"]\\" log.txt"}')],
        id="bracket_in_string",
    ),
    pytest.param(
        "exec(command='cat > f.py << EOF\nimport csv\nprint(1)\nEOF')",
        [("exec", '{"command": "cat > f.py << EOF\\nimport csv\\nprint(1)\\nEOF"}')],
        id="multiline_string_arg",
    ),
    pytest.param("label(tags={'urgent', 'bug'})", None, id="set_arg"),
    pytest.param(
        "set_date(month=07, day=05)", [("set_date", '{"month": 7, "day": 5}')], id="leading_zero_int"
    ),
    pytest.param(
        "exec(command='printf a\x00b')", [("exec", '{"command": "printf a\\u0000b"}')], id="nul_byte"
    ),
]


@pytest.mark.parametrize("tool_text, expected", CASES)
def test_tool_call(tool_text, expected):
    parsed = parse(wrap(tool_text))
    if expected is None:  # a set: JSON has none, the order of its items is Python's
        assert [c.function.name for c in parsed.tool_calls] == ["label"]
        assert sorted(json.loads(parsed.tool_calls[0].function.arguments)["tags"]) == ["bug", "urgent"]
    else:
        assert exact(parsed) == expected
    assert parsed.content is None


@pytest.mark.parametrize("tool_text, expected", [c for c in CASES if c.values[1] is not None])
def test_streaming_equals_parse(tool_text, expected):
    text = wrap(tool_text)
    stream = get_hermes().parser("lfm2").stream()
    content, got = join_deltas(
        [d for i in range(0, len(text), 5) for d in stream.feed(text[i : i + 5])] + stream.finish()
    )
    assert content is None
    assert [(c["function"]["name"], c["function"]["arguments"]) for c in got] == expected


def test_no_tool_call():
    # vLLM ...::test_no_tool_call
    assert parse("How can I help you today?").content == "How can I help you today?"


def test_content_after_tool_call():
    # vLLM ...::TEST_CASES[content_after_tool_call_nonstreaming]
    parsed = parse(wrap(SIMPLE, content_after="Checking the current status of candidate ID 12345."))
    assert parsed.content == "Checking the current status of candidate ID 12345."
    assert exact(parsed) == [SIMPLE_CALL]


@pytest.mark.parametrize("body", ["", " "])
def test_empty_tool_call_block(body):
    # vLLM ...::test_empty_tool_call_block
    text = f"{START}[{body}]{END}"
    assert parse(text).tool_calls == [] and parse(text).content == text


def test_bad_sibling_call_does_not_drop_good_calls():
    # vLLM ...::test_bad_sibling_call_does_not_drop_good_calls
    assert exact(parse(f"{START}[{SIMPLE}, bad(x=b'z')]{END}")) == [SIMPLE_CALL]


def test_whitespace_after_start_token():
    # vLLM ...::test_whitespace_after_start_token
    assert exact(parse(f"{START} [{SIMPLE}]{END}")) == [SIMPLE_CALL]


def test_full_block_and_trailing_text_in_one_delta():
    # vLLM ...::test_streaming_tool_call_with_large_steps / ::test_streaming_full_block_and_trailing_in_single_delta
    text = f"{START}[{SIMPLE}, get_weather(), do_something_cool(steps=[])]{END}\nDone."
    stream = get_hermes().parser("lfm2").stream()
    content, got = join_deltas(stream.feed(text) + stream.finish())
    assert content == "Done."
    assert [c["function"]["name"] for c in got] == [
        "get_candidate_status",
        "get_weather",
        "do_something_cool",
    ]


def test_echoed_call_after_the_end_token_is_not_content():
    text = f"Sure.{START}[{SIMPLE}]{END}[{SIMPLE}]{END}\nAll done."
    parsed = parse(text)
    assert parsed.content == "Sure.\nAll done." and exact(parsed) == [SIMPLE_CALL]


def test_unclosed_block_with_a_whole_list_is_read():
    assert exact(parse(f"Text {START}[{SIMPLE}]")) == [SIMPLE_CALL]


# A call is only certain once its block is whole: vLLM's pythonic tests drop a call for what follows its
# name (bytes, 1e999, a wrong bracket) and a non-call element makes the block content, so this format
# sends its calls at ``<|tool_call_end|>``; these texts, cut every way, prove nothing goes out that
# ``parse()`` leaves out.
@pytest.mark.parametrize(
    "text,names",
    [
        (wrap(f"bad(x=b'z'), {SIMPLE}"), ["get_candidate_status"]),
        (wrap(f"calc(x=1e999), {SIMPLE}"), ["get_candidate_status"]),
        (wrap("foo(x=1])"), []),
        (wrap(f"{SIMPLE}, 42"), []),
    ],
)
def test_stream_sends_nothing_a_later_part_takes_back(text, names):
    assert [c.function.name for c in parse(text).tool_calls] == names
    assert_cuts_match_parse(get_hermes().parser("lfm2"), text)
