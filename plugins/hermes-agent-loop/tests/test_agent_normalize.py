"""Argument normalisation as hermes-agent's users rely on, and the core's schema check it feeds."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hermes_agent_loop.normalize import normalize_arguments
from hermes_core.dispatch import basic_schema_problem


def check_schema(args, schema):
    """The ``schema_valid`` verdict the loop records for a caller's own tool handler."""
    return basic_schema_problem(schema, args, "arguments") is None


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=10,
)
objects = st.dictionaries(st.text(max_size=8), json_values, max_size=5)


@pytest.mark.parametrize(
    ("name", "raw", "expected", "valid"),
    [
        ("echo", {"a": 1}, {"a": 1}, True),
        ("echo", '{"a": 1}', {"a": 1}, True),
        ("echo", None, {}, True),
        ("echo", "", {}, True),
        ("echo", "  ", {}, True),
        ("echo", json.dumps('{"a": 1}'), {"a": 1}, False),
        ("terminal", "ls -la", {"command": "ls -la"}, False),
        ("web_search", "cats", {"input": "cats"}, False),
        ("terminal", '"echo hi"', {"command": "echo hi"}, False),
        ("echo", "[1, 2]", {"input": "[1, 2]"}, False),
        ("echo", "42", {"input": "42"}, False),
        ("echo", '{"a": ', {"input": '{"a": '}, False),
    ],
)
def test_normalize(name, raw, expected, valid):
    assert normalize_arguments(name, raw) == (expected, valid)


@given(objects)
def test_objects_pass_as_valid_in_every_encoding(obj):
    assert normalize_arguments("x", obj) == (obj, True)
    assert normalize_arguments("x", json.dumps(obj)) == (obj, True)
    assert normalize_arguments("x", json.dumps(json.dumps(obj))) == (obj, False)


@given(st.text(), st.sampled_from(["terminal", "echo"]))
def test_any_text_gives_a_dict_and_never_raises(text, name):
    args, valid = normalize_arguments(name, text)
    assert isinstance(args, dict)
    if not valid:
        assert set(args) <= {"command", "input"} or text.strip().startswith('"')


SCHEMA = {
    "type": "object",
    "properties": {"command": {"type": "string"}, "timeout": {"type": "integer"}, "bg": {"type": "boolean"}},
    "required": ["command"],
}


@pytest.mark.parametrize(
    ("args", "ok"),
    [
        ({"command": "ls"}, True),
        ({"command": "ls", "timeout": 5, "bg": True}, True),
        ({}, False),
        ({"command": 5}, False),
        ({"command": "ls", "timeout": True}, False),
        ({"command": "ls", "timeout": "5"}, False),
        ({"command": "ls", "extra": 1}, True),
    ],
)
def test_check_schema(args, ok):
    assert check_schema(args, SCHEMA) is ok
    assert check_schema(args, None) is True


def test_additional_properties_false():
    assert not check_schema({"command": "ls", "x": 1}, {**SCHEMA, "additionalProperties": False})
