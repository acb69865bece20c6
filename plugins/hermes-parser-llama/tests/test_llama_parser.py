import json

from hermes_parser_llama.parser import Llama3JsonParser
from hermes_parser_llama.samples import LLAMA4_ARGUMENTS, LLAMA31_SINGLE, LLAMA32_PYTHON_TAG, LLAMA33_PARALLEL

from hermes_testkit.parser_helpers import decoded_calls as calls
from hermes_testkit.parsers import ParserConformance, ParserSample


def parse(text):
    return Llama3JsonParser().parse(text)


SAMPLES = [
    ParserSample(
        LLAMA31_SINGLE, [("get_current_weather", {"location": "San Francisco, CA", "unit": "fahrenheit"})]
    ),
    ParserSample(LLAMA32_PYTHON_TAG, [("search_web", {"query": "latest PyPI release of pluggy"})]),
    ParserSample(
        LLAMA33_PARALLEL,
        [
            ("get_weather", {"city": "Paris", "days": 3}),
            ("get_weather", {"city": "München", "days": 3}),
            ("convert_currency", {"amount": 100, "from": "EUR", "to": "JPY"}),
        ],
    ),
    ParserSample(LLAMA4_ARGUMENTS, [("terminal", {"command": 'ls -la /tmp && echo "done"', "timeout": 60})]),
    ParserSample(
        "I'll search for that.<|python_tag|>"
        '{"name": "search_web", "parameters": {"query": "hermes agent"}}<|eom_id|>',
        [("search_web", {"query": "hermes agent"})],
        content="I'll search for that.",
    ),
]


# vLLM reads a call object wherever it sits (tests/tool_parsers/test_llama3_json_tool_parser.py::
# test_extract_tool_calls_brace_in_trailing_text), so the kit's "call object in prose" text is a call here.
PLAIN_TEXTS = [t for t in ParserConformance.plain_texts if not t.startswith('{"name"')]


class TestLlama3JsonConformance(ParserConformance):
    parser_name = "llama3_json"
    samples = SAMPLES
    plain_texts = PLAIN_TEXTS


class TestLlama4JsonAliasConformance(ParserConformance):
    parser_name = "llama4_json"
    samples = SAMPLES[:2]
    plain_texts = PLAIN_TEXTS


def test_single_call_has_openai_shape():
    parsed = parse('{"name": "ping", "parameters": {"host": "example.com"}}')
    assert parsed.content is None
    (call,) = parsed.tool_calls
    assert call.type == "function" and call.id.startswith("call_")
    assert call.function.name == "ping" and json.loads(call.function.arguments) == {"host": "example.com"}


def test_parallel_calls_separated_by_whitespace_or_semicolon():
    text = (
        '{"name": "a", "parameters": {}}\n{"name": "b", "parameters": {"x": 1}};'
        '{"name": "c", "arguments": {}}'
    )
    assert calls(parse(text)) == [("a", {}), ("b", {"x": 1}), ("c", {})]


def test_leading_whitespace_and_trailing_end_token():
    parsed = parse('\n\n  {"name": "a", "parameters": {"q": "x"}}<|eot_id|>')
    assert calls(parsed) == [("a", {"q": "x"})] and parsed.content is None


def test_arguments_preferred_over_parameters_like_vllm():
    assert calls(parse('{"name": "a", "arguments": {"x": 1}, "parameters": {"y": 2}}')) == [("a", {"x": 1})]


def test_nested_unicode_and_escaped_arguments():
    args = {
        "text": 'He said "hi"\n\tand left',
        "nested": {"list": [1, {"deep": ["日本語", "🙂"]}]},
        "n": None,
    }
    parsed = parse(json.dumps({"name": "note", "parameters": args}, ensure_ascii=False))
    assert calls(parsed) == [("note", args)]
    assert "日本語" in parsed.tool_calls[0].function.arguments
    # arguments pass through as the model wrote them (what a stream sends as it arrives)
    escaped = parse(json.dumps({"name": "note", "parameters": args}))
    assert calls(escaped) == [("note", args)] and "\\u65e5" in escaped.tool_calls[0].function.arguments


def test_string_encoded_arguments_are_not_double_encoded():
    parsed = parse(json.dumps({"name": "f", "arguments": json.dumps({"a": [1, 2]})}))
    assert parsed.tool_calls[0].function.arguments == '{"a": [1, 2]}'


def test_non_json_string_argument_becomes_a_json_string():
    """As vLLM's ``json.dumps(arguments)``: a plain string stays a (valid JSON) string, encoded once."""
    parsed = parse('{"name": "echo", "parameters": "hello"}')
    assert json.loads(parsed.tool_calls[0].function.arguments) == "hello"


def test_null_arguments_is_empty_object():
    assert calls(parse('{"name": "now", "parameters": null}')) == [("now", {})]


def test_json_without_call_keys_is_content():
    for text in [
        '{"name": "John", "age": 31}',
        '{"type": "object", "properties": {}}',
        "The set {1, 2, 3} has three elements.",
        "Use {braces} freely.",
    ]:
        parsed = parse(text)
        assert parsed.tool_calls == [] and parsed.content == text, text


def test_call_followed_by_a_non_call_object_keeps_the_call():
    # vLLM tests/tool_parsers/test_llama3_json_tool_parser.py
    #     ::test_extract_tool_calls_json_fragment_in_trailing_text
    text = '{"name": "a", "parameters": {}}; {"result": 42}'
    assert calls(parse(text)) == [("a", {})]


def test_python_tag_tolerates_trailing_text():
    text = '<|python_tag|>{"name": "a", "parameters": {}} Let me know if you need more.'
    assert calls(parse(text)) == [("a", {})]


def test_python_tag_with_builtin_tool_code_is_content():
    """Llama 3.1 built-in tools (``brave_search.call(...)``) are not JSON calls; vLLM keeps them as text."""
    text = '<|python_tag|>brave_search.call(query="weather in Menlo Park")<|eom_id|>'
    assert parse(text).tool_calls == [] and parse(text).content == text


def test_malformed_json_is_content():
    for text in ['{"name": "a" "parameters": {}}', '{"name": "a", "parameters": {]}', "{"]:
        assert parse(text).tool_calls == [] and parse(text).content == text


def test_arguments_broken_after_a_key_keep_the_call():
    """Once its arguments hold a key the call is certain (a stream has sent its name): a bad token later
    closes the arguments at the last complete value."""
    assert calls(parse('{"name": "a", "parameters": {"x": }}')) == [("a", {})]
    assert calls(parse('{"name": "a", "parameters": {"x": 1, "y": oops}}')) == [("a", {"x": 1})]


def test_truncated_last_call_keeps_complete_ones():
    """Better than vLLM (one failed raw_decode loses every call): calls before the cut are kept, and the
    cut one as far as it was written (what vLLM's stream has sent by then)."""
    text = '{"name": "a", "parameters": {"x": 1}}; {"name": "b", "parameters": {"y": "unfin'
    assert calls(parse(text)) == [("a", {"x": 1}), ("b", {"y": "unfin"})]
    assert calls(parse(text[: text.index('"y"')])) == [("a", {"x": 1})]  # no key yet: not certain


def test_reasoning_block_before_the_call():
    text = '<think>The user wants Paris weather.</think>\n\n{"name": "w", "parameters": {"city": "Paris"}}'
    parsed = parse(text)
    assert calls(parsed) == [("w", {"city": "Paris"})]
    assert parsed.content == "<think>The user wants Paris weather.</think>"


def test_object_without_name_is_not_a_call():
    text = '{"parameters": {"x": 1}}'
    assert parse(text).tool_calls == [] and parse(text).content == text
