import json
import re

from hermes_parser_mistral.parser import MistralParser, mistral_call_id
from hermes_parser_mistral.samples import TEKKEN_PARALLEL, V3_SINGLE, V11_NO_ARGS_TOKEN, V11_PARALLEL

from hermes_testkit.parser_helpers import decoded_calls as calls
from hermes_testkit.parsers import ParserConformance, ParserSample

MISTRAL_ID = re.compile(r"[A-Za-z0-9]{9}")


def parse(text):
    return MistralParser().parse(text)


class TestMistralConformance(ParserConformance):
    parser_name = "mistral"
    samples = [
        ParserSample(
            V3_SINGLE, [("get_current_weather", {"location": "Paris, France", "format": "celsius"})]
        ),
        ParserSample(
            TEKKEN_PARALLEL, [("get_weather", {"city": "Lyon"}), ("get_weather", {"city": "Marseille"})]
        ),
        ParserSample(
            V11_PARALLEL,
            [
                ("list_directory", {"path": "src", "recursive": False}),
                ("run_tests", {"paths": ["tests/test_parser.py::test_unicode"], "verbose": True}),
            ],
            content="I'll check the repository layout and the failing test.",
        ),
        ParserSample(
            V11_NO_ARGS_TOKEN, [("search", {"query": "Élysée opening hours", "filters": {"lang": "fr"}})]
        ),
        # Magistral: reasoning in [THINK] tokens, then the call
        ParserSample(
            "[THINK]The user wants the time in Tokyo; I have a get_time tool.[/THINK]"
            '[TOOL_CALLS]get_time[ARGS]{"timezone": "Asia/Tokyo"}',
            [("get_time", {"timezone": "Asia/Tokyo"})],
            content="[THINK]The user wants the time in Tokyo; I have a get_time tool.[/THINK]",
        ),
    ]


def test_ids_are_nine_alphanumerics_like_vllm():
    parsed = parse(TEKKEN_PARALLEL)
    assert all(MISTRAL_ID.fullmatch(c.id) for c in parsed.tool_calls)
    assert len({mistral_call_id() for _ in range(1000)}) == 1000


def test_model_written_ids_are_replaced_like_vllm():
    """vLLM ignores an ``id`` the model writes into the array and makes a fresh one; so do we."""
    assert all(c.id not in ("Ab3dE5gH1", "kL9mN0pQ2") for c in parse(TEKKEN_PARALLEL).tool_calls)


def test_pre_v11_trailing_text_tolerated():
    text = '[TOOL_CALLS] [{"name": "a", "arguments": {"x": 1}}] I have called the tool.'
    parsed = parse(text)
    assert calls(parsed) == [("a", {"x": 1})] and parsed.content is None


def test_leading_content_before_marker():
    parsed = parse('Let me look that up.\n[TOOL_CALLS][{"name": "lookup", "arguments": {"q": "x"}}]')
    assert parsed.content == "Let me look that up."


def test_v11_calls_without_args_token_and_with_call_id():
    text = '[TOOL_CALLS]a{"x": 1}[TOOL_CALLS]b[CALL_ID]Zx81KqP0a[ARGS]{"y": {"z": [1, 2]}}'
    assert calls(parse(text)) == [("a", {"x": 1}), ("b", {"y": {"z": [1, 2]}})]


def test_v11_several_calls_after_one_marker():
    """vLLM's name regex accepts ``a{..} b{..}`` after a single marker; so do we."""
    assert calls(parse('[TOOL_CALLS]a{"x": 1} b{"y": 2}')) == [("a", {"x": 1}), ("b", {"y": 2})]


def test_v11_nested_arguments_not_cut_at_first_brace():
    """vLLM's ``\\{[\\s\\S]*?\\}`` stops at the first ``}`` followed by whitespace; raw_decode does not."""
    args = {"edits": [{"range": {"start": 1, "end": 2}, "text": "} x"}], "note": "a } b"}
    assert calls(parse("[TOOL_CALLS]apply_edits" + json.dumps(args))) == [("apply_edits", args)]


def test_nested_unicode_and_escaped_arguments():
    args = {
        "msg": 'Line1\nLine2 "quoted" \\ backslash',
        "emoji": "🚀",
        "zh": "你好",
        "deep": {"a": [{"b": None}]},
    }
    text = "[TOOL_CALLS][" + json.dumps({"name": "send", "arguments": args}, ensure_ascii=False) + "]"
    parsed = parse(text)
    assert calls(parsed) == [("send", args)]
    assert "你好" in parsed.tool_calls[0].function.arguments


def test_string_encoded_arguments_are_not_double_encoded():
    text = '[TOOL_CALLS][{"name": "f", "arguments": "{\\"city\\": \\"Paris\\"}"}]'
    assert parse(text).tool_calls[0].function.arguments == '{"city": "Paris"}'


def test_missing_arguments_is_empty_object():
    assert calls(parse('[TOOL_CALLS][{"name": "now"}]')) == [("now", {})]


def test_single_object_without_array():
    """vLLM iterates the dict's keys and fails; a lone object is read as one call."""
    assert calls(parse('[TOOL_CALLS] {"name": "a", "arguments": {}}')) == [("a", {})]


def test_plain_text_is_content():
    for text in ["No tools needed.", '[{"name": "a", "arguments": {}}]', "a{}"]:
        assert parse(text).content == text and parse(text).tool_calls == []


def test_malformed_output_stays_content():
    """vLLM returns the text with ``[TOOL_CALLS]`` removed; the contract keeps the whole text."""
    for text in [
        "[TOOL_CALLS] I could not decide.",
        '[TOOL_CALLS][{"name": "a", "arguments": {,}}]',
        "[TOOL_CALLS]f[ARGS]{invalid}",
        "[TOOL_CALLS]bad name{}",
        "[TOOL_CALLS][1, 2, 3]",
        '[TOOL_CALLS][{"arguments": {}}]',
        "[TOOL_CALLS]f[1, 2]",
    ]:
        parsed = parse(text)
        assert parsed.tool_calls == [] and parsed.content == text, text


def test_truncated_array_keeps_what_was_certain():
    """Better than vLLM (json.loads of the whole array fails): calls before the cut are kept, and the cut
    one as far as it was written once its arguments hold a key (a stream has sent it by then)."""
    text = '[TOOL_CALLS][{"name": "a", "arguments": {"x": 1}}, {"name": "b", "arguments": {"y": "cut'
    assert calls(parse(text)) == [("a", {"x": 1}), ("b", {"y": "cut"})]
    assert calls(parse(text[: text.index('"y"')])) == [("a", {"x": 1})]


def test_truncated_v11_keeps_what_was_certain():
    text = '[TOOL_CALLS]a[ARGS]{"x": 1}[TOOL_CALLS]b[ARGS]{"y": '
    assert calls(parse(text)) == [("a", {"x": 1}), ("b", {})]
    assert calls(parse(text[: text.index('"y"')])) == [("a", {"x": 1})]


def test_broken_arguments_keep_the_values_before_the_break():
    text = '[TOOL_CALLS][{"name": "a", "arguments": {"x": 1,}}, {"name": "b", "arguments": {}}]'
    assert calls(parse(text)) == [("a", {"x": 1})]
    assert calls(parse('[TOOL_CALLS]a[ARGS]{"x": 1 2}[TOOL_CALLS]b[ARGS]{}')) == [("a", {"x": 1}), ("b", {})]


def test_v11_arguments_pass_through_as_written():
    """vLLM returns v11 arguments verbatim (``raw_tool_call[end_name:]``): no decode/re-encode round trip."""
    parsed = parse('[TOOL_CALLS]f[ARGS]{"a":1,  "b": "é"}')
    assert parsed.tool_calls[0].function.arguments == '{"a":1,  "b": "é"}'


def test_bait_decodes_nothing_that_cannot_be_an_object(monkeypatch):
    """``"[TOOL_CALLS]{'" * n``: a failed decode costs O(position), so none may be attempted per marker."""
    from hermes_core import parsing_call_objects as module

    attempts = []
    real = module.scan_json

    def counting(text, pos):
        attempts.append(pos)
        return real(text, pos)

    monkeypatch.setattr(module, "scan_json", counting)
    for bait in ["[TOOL_CALLS]{'" * 5000, "[TOOL_CALLS][{'" * 5000, "[TOOL_CALLS]f[ARGS]{'" * 5000]:
        assert parse(bait).content == bait
    assert attempts == []


def test_cheap_failures_do_not_exhaust_the_budget():
    """Failed decodes are charged what they walked: many small failures do not hide a later call."""
    text = '[TOOL_CALLS]{"a":x ' * 200 + '[TOOL_CALLS]f{"a": 1}'
    assert calls(parse(text)) == [("f", {"a": 1})]
