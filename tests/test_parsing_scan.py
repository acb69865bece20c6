"""hermes_core.parsing_scan: the shared scanning helpers give str.find's answers and read parameters."""

import random

from hermes_core.parsing import encode_argument_pairs
from hermes_core.parsing_scan import NextFinder, find_soon, read_parameters, trimmed_newline_value


def test_next_finder_answers_as_find_for_growing_positions():
    rng = random.Random(0)
    text = "".join(rng.choice(["ab", "</x>", "c", "\n"]) for _ in range(3000))
    finder = NextFinder(text, "</x>")
    for pos in sorted(rng.sample(range(len(text) + 1), 400)):
        assert finder(pos) == text.find("</x>", pos)
    assert NextFinder("no end here", "</x>")(0) == -1


def test_find_soon_finds_near_and_far_markers():
    text = "a" * 5000 + "<m>" + "b" * 10
    assert find_soon(text, "<m>", 0) == 5000
    assert find_soon(text, "<m>", 4990) == 5000
    assert find_soon(text, "<m>", 5001) == -1


def test_read_parameters_types_by_schema_and_skips_malformed():
    text = (
        "<parameter=days>\n3\n</parameter><parameter=broken</parameter>"
        "<parameter=city>Paris</parameter><parameter=note>null</parameter><parameter=cut>x"
    )
    got = read_parameters(
        text, 0, len(text), {"days": {"type": "integer"}}, open_tag="<parameter=", close_tag="</parameter>"
    )
    assert dict(got) == {"days": 3, "city": "Paris", "note": None}


def test_read_parameters_key_and_value_functions():
    text = "<parameter name=\"a\">1</parameter><parameter name='b'> two </parameter>"
    got = read_parameters(
        text,
        0,
        len(text),
        {},
        open_tag="<parameter name=",
        close_tag="</parameter>",
        key=lambda raw: raw.strip("\"'"),
        value=lambda raw, spec: raw.strip(),
    )
    assert dict(got) == {"a": "1", "b": "two"}


def test_read_parameters_stays_inside_its_bounds():
    text = "<p=a>1</p>|<p=b>2</p>"
    got = read_parameters(text, 0, text.index("|"), {}, open_tag="<p=", close_tag="</p>")
    assert dict(got) == {"a": "1"}


def test_read_parameters_keeps_both_values_of_a_repeated_key():
    text = "<p=a>1</p><p=b>2</p><p=a>3</p>"
    got = read_parameters(text, 0, len(text), {"a": {"type": "integer"}}, open_tag="<p=", close_tag="</p>")
    assert got == [("a", 1), ("b", "2"), ("a", 3)]
    assert encode_argument_pairs(got) == '{"a": 1, "b": "2", "a": 3}'
    assert encode_argument_pairs(got[:2]) == '{"a": 1, "b": "2"}'


def test_trimmed_newline_value_drops_one_newline_each_side():
    assert trimmed_newline_value("\n\nx\n\n", None) == "\nx\n"
    assert trimmed_newline_value("NULL", {"type": "string"}) is None
