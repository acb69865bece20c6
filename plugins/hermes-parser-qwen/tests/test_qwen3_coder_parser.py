"""``qwen3_coder``: Qwen3-Coder output as its chat template renders it, typed with and without schemas."""

from __future__ import annotations

import json

from hermes_core.plugins import get_hermes
from hermes_testkit.parsers import ParserConformance, ParserSample

WEATHER_TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_current_weather",
            "parameters": {
                "type": "object",
                "properties": {
                    "city": {"type": "string"},
                    "state": {"type": "string"},
                    "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
                    "days": {"type": "integer"},
                    "threshold": {"type": "number"},
                    "detailed": {"type": "boolean"},
                    "hours": {"type": "array", "items": {"type": "integer"}},
                    "options": {"type": "object"},
                    "zip": {"type": ["string", "null"]},
                    "limit": {"anyOf": [{"type": "integer"}, {"type": "null"}]},
                },
            },
        },
    }
]

DALLAS = (
    "<tool_call>\n<function=get_current_weather>\n"
    "<parameter=city>\nDallas\n</parameter>\n"
    "<parameter=state>\nTX\n</parameter>\n"
    "<parameter=unit>\nfahrenheit\n</parameter>\n"
    "</function>\n</tool_call>"
)

WRITE_FILE = (
    "I'll create the script now.\n"
    "<tool_call>\n<function=write_file>\n"
    "<parameter=path>\nsrc/main.py\n</parameter>\n"
    '<parameter=content>\ndef main():\n    print("héllo, wörld")\n    return {"ok": True}\n\n</parameter>\n'
    "</function>\n</tool_call>"
)

PARALLEL = (
    "<tool_call>\n<function=get_current_weather>\n<parameter=city>\nDallas\n</parameter>\n"
    "<parameter=days>\n3\n</parameter>\n</function>\n</tool_call>\n"
    "<tool_call>\n<function=get_current_weather>\n<parameter=city>\nOrlando\n</parameter>\n"
    "<parameter=detailed>\ntrue\n</parameter>\n</function>\n</tool_call>"
)


def parser(tools=None):
    return get_hermes().parser("qwen3_coder", tools=tools)


def calls(parsed):
    return [(c.function.name, json.loads(c.function.arguments)) for c in parsed.tool_calls]


class TestQwen3CoderConformance(ParserConformance):
    parser_name = "qwen3_coder"
    parameter_end = "</parameter>"
    samples = [
        ParserSample(
            text=DALLAS,
            calls=[("get_current_weather", {"city": "Dallas", "state": "TX", "unit": "fahrenheit"})],
            tools=WEATHER_TOOLS,
        ),
        ParserSample(
            text=WRITE_FILE,
            calls=[
                (
                    "write_file",
                    {
                        "path": "src/main.py",
                        "content": 'def main():\n    print("héllo, wörld")\n    return {"ok": True}\n',
                    },
                )
            ],
            content="I'll create the script now.",
        ),
        ParserSample(
            text=PARALLEL,
            calls=[
                ("get_current_weather", {"city": "Dallas", "days": 3}),
                ("get_current_weather", {"city": "Orlando", "detailed": True}),
            ],
            tools=WEATHER_TOOLS,
        ),
    ]


def test_single_call_typed_by_schema():
    text = (
        "<tool_call>\n<function=get_current_weather>\n"
        "<parameter=city>\n123\n</parameter>\n<parameter=days>\n5\n</parameter>\n"
        "<parameter=threshold>\n2.5\n</parameter>\n<parameter=detailed>\nFalse\n</parameter>\n"
        '<parameter=hours>\n[1, 2, 3]\n</parameter>\n<parameter=options>\n{"a": {"b": null}}\n</parameter>\n'
        "</function>\n</tool_call>"
    )
    assert calls(parser(WEATHER_TOOLS).parse(text)) == [
        (
            "get_current_weather",
            {
                "city": "123",
                "days": 5,
                "threshold": 2.5,
                "detailed": False,
                "hours": [1, 2, 3],
                "options": {"a": {"b": None}},
            },
        )
    ]


def test_untyped_values_use_json_then_python_literals():
    """Without ``tools``: typed by JSON, then ``ast.literal_eval`` (vLLM keeps every value a string)."""
    text = (
        "<function=f>\n<parameter=n>\n42\n</parameter>\n<parameter=s>\nhello world\n</parameter>\n"
        '<parameter=j>\n{"k": [1, 2]}\n</parameter>\n'
        "<parameter=p>\n{'k': (1, 2), 'b': True}\n</parameter>\n"
        "<parameter=b>\ntrue\n</parameter>\n<parameter=set>\n{1, 2}\n</parameter>\n"
        "<parameter=nan>\nNaN\n</parameter>\n"
        "</function>"
    )
    assert calls(parser().parse(text)) == [
        (
            "f",
            {
                "n": 42,
                "s": "hello world",
                "j": {"k": [1, 2]},
                "p": {"k": [1, 2], "b": True},
                "b": True,
                "set": "{1, 2}",
                "nan": "NaN",
            },
        )
    ]


def test_nullable_types():
    """``["string", "null"]`` and ``anyOf`` with null: typed by the non-null type (vLLM: literal_eval)."""
    text = (
        "<function=get_current_weather>\n<parameter=zip>\n75201\n</parameter>\n<parameter=limit>\n7\n</parameter>\n"
        "<parameter=city>\nnull\n</parameter>\n</function>"
    )
    assert calls(parser(WEATHER_TOOLS).parse(text)) == [
        ("get_current_weather", {"zip": "75201", "limit": 7, "city": None})
    ]


def test_value_not_fitting_schema_stays_text():
    """vLLM case: an ``integer`` that does not parse is kept as the text."""
    text = "<function=get_current_weather>\n<parameter=days>\nthree\n</parameter>\n</function>"
    assert calls(parser(WEATHER_TOOLS).parse(text)) == [("get_current_weather", {"days": "three"})]


def test_number_integral_becomes_int():
    """vLLM case: a ``number`` with no fractional part is emitted as an integer."""
    text = "<function=get_current_weather>\n<parameter=threshold>\n4.0\n</parameter>\n</function>"
    assert calls(parser(WEATHER_TOOLS).parse(text)) == [("get_current_weather", {"threshold": 4})]


def test_only_one_newline_trimmed_from_string_values():
    """vLLM case: the template's own newline is removed on each side, the value's whitespace is kept."""
    text = "<function=w>\n<parameter=content>\n\n  indented\n\n</parameter>\n</function>"
    tools = [
        {
            "type": "function",
            "function": {"name": "w", "parameters": {"properties": {"content": {"type": "string"}}}},
        }
    ]
    assert calls(parser(tools).parse(text)) == [("w", {"content": "\n  indented\n"})]


def test_parallel_calls_and_leading_content():
    parsed = parser(WEATHER_TOOLS).parse("Checking both cities.\n\n" + PARALLEL)
    assert parsed.content == "Checking both cities."
    assert [c.function.name for c in parsed.tool_calls] == ["get_current_weather"] * 2


def test_wrapper_optional():
    parsed = parser().parse("Sure.\n<function=ping>\n</function>")
    assert calls(parsed) == [("ping", {})] and parsed.content == "Sure."


def test_several_functions_in_one_wrapper():
    text = (
        "<tool_call>\n<function=a>\n<parameter=x>\n1\n</parameter>\n</function>\n"
        "<function=b>\n</function>\n</tool_call>"
    )
    assert calls(parser().parse(text)) == [("a", {"x": 1}), ("b", {})]


def test_truncated_inside_value_leaves_the_cut_parameter_out():
    """vLLM 0.34 (``qwen3_coder`` is its ``qwen3`` grammar; ``_qwen3_arg_converter(raw, partial=False)``):
    a parameter the text ends inside is not reported as complete; the closed ones are kept."""
    text = (
        "<tool_call>\n<function=write_file>\n<parameter=path>\na.txt\n</parameter>\n"
        "<parameter=content>\nZürich — 東"
    )
    assert calls(parser().parse(text)) == [("write_file", {"path": "a.txt"})]
    closed_by_next = "<function=f>\n<parameter=a>\n1\n<parameter=b>\n2\n</parameter>\n</function>"
    assert calls(parser().parse(closed_by_next)) == [("f", {"a": 1, "b": 2})]


def test_truncated_inside_parameter_name_keeps_earlier_parameters():
    """Deliberately better than vLLM, whose ``index('>')`` raises and loses the whole completion."""
    text = "<tool_call>\n<function=f>\n<parameter=a>\n1\n</parameter>\n<parameter=b"
    assert calls(parser().parse(text)) == [("f", {"a": 1})]


def test_truncated_inside_function_name_is_content():
    text = "Let me check.\n<tool_call>\n<function=get_curr"
    parsed = parser().parse(text)
    assert parsed.tool_calls == [] and parsed.content == text


def test_missing_closing_parameter_tags():
    """vLLM case: a value also ends at the next ``<parameter=`` or at ``</function>``."""
    text = "<function=f>\n<parameter=a>\nx\n<parameter=b>\ny\n</function>"
    assert calls(parser().parse(text)) == [("f", {"a": "x", "b": "y"})]


def test_function_tag_inside_a_value_is_text():
    text = "<function=write>\n<parameter=doc>\nuse <function=NAME> to call\n</parameter>\n</function>"
    assert calls(parser().parse(text)) == [("write", {"doc": "use <function=NAME> to call"})]


def test_unclosed_function_followed_by_another():
    """Deliberately better than vLLM, which merges the second call's parameters into the first."""
    text = (
        "<function=a>\n<parameter=x>\n1\n</parameter>\n"
        "<function=b>\n<parameter=y>\n2\n</parameter>\n</function>"
    )
    assert calls(parser().parse(text)) == [("a", {"x": 1}), ("b", {"y": 2})]


def test_string_value_that_is_json_text_not_double_encoded():
    text = '<function=f>\n<parameter=payload>\n{"a": "b"}\n</parameter>\n</function>'
    tools = [
        {
            "type": "function",
            "function": {"name": "f", "parameters": {"properties": {"payload": {"type": "string"}}}},
        }
    ]
    parsed = parser(tools).parse(text)
    assert json.loads(parsed.tool_calls[0].function.arguments) == {"payload": '{"a": "b"}'}


def test_hermes_json_format_is_not_qwen3_coder():
    text = '<tool_call>\n{"name": "f", "arguments": {}}\n</tool_call>'
    parsed = parser().parse(text)
    assert parsed.tool_calls == [] and parsed.content == text


def test_plain_text():
    assert parser().parse("def f():\n    return 1\n").tool_calls == []


def test_alias():
    assert type(get_hermes().parser("qwen3_xml")).name == "qwen3_coder"


def test_parameter_written_twice_decodes_to_the_last_value_and_streams_unchanged():
    """vLLM's qwen3_coder builds a dict (the last value wins, in the first one's place); the arguments
    text keeps both so a stream that sent the first value never takes it back."""
    from hermes_testkit.parsers import assert_stream_matches_parse

    text = (
        "<tool_call>\n<function=f>\n<parameter=a>\n1\n</parameter>\n<parameter=b>\nx\n</parameter>\n"
        "<parameter=a>\n2\n</parameter>\n</function>\n</tool_call>"
    )
    (call,) = parser().parse(text).tool_calls
    assert json.loads(call.function.arguments) == {"a": 2, "b": "x"}
    assert list(json.loads(call.function.arguments)) == ["a", "b"]
    for size in (1, 5, len(text)):
        assert_stream_matches_parse(parser(), text, [text[i : i + size] for i in range(0, len(text), size)])


def test_a_named_call_is_not_voided_by_a_later_think_end():
    """Found by the random-cut conformance test in a CI run: the stream had sent ``write_file`` (its
    name was complete) when a ``</think>`` and a cut-off ``<function=`` followed; ``parse()`` took only
    markers after the last ``</think>`` and returned no call. Both now follow the core's ``calls_start``
    rule: a call that has begun stays a call."""
    from hermes_testkit.parsers import assert_stream_matches_parse

    text = (
        "I'll create the script now.\n<tool_call>\n<function=write_file>\n<parameter=path>\nsrc/main.py\n"
        "</parameter>\n<paramet</think><function="
    )
    (call,) = get_hermes().parser("qwen3_coder").parse(text).tool_calls
    assert call.function.name == "write_file"
    assert json.loads(call.function.arguments) == {"path": "src/main.py"}
    for cut in range(1, len(text)):
        assert_stream_matches_parse(get_hermes().parser("qwen3_coder"), text, [text[:cut], text[cut:]])
