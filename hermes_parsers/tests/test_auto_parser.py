"""``auto``: detects the installed format a completion is in and delegates to that parser."""

from __future__ import annotations

import json

import pytest

from hermes_core import hookimpl
from hermes_core.parsing import FunctionCall, ParsedCompletion, ToolCall, ToolCallParser, make_call_id
from hermes_core.plugins import Hermes, get_hermes, set_hermes
from hermes_testkit.parser_helpers import tool_definition
from hermes_testkit.parsers import ParserConformance, ParserSample

HERMES = '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>'
QWEN3_CODER = (
    "<tool_call>\n<function=get_weather>\n<parameter=city>\nParis\n</parameter>\n</function>\n</tool_call>"
)
LONGCAT = '<longcat_tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</longcat_tool_call>'

# Other families' formats, checked when their plugin is installed (auto must find them all).
FOREIGN = {
    "deepseek_v3": (
        "<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>get_weather\n```json\n"
        '{"city": "Paris"}\n```<｜tool▁call▁end｜><｜tool▁calls▁end｜>'
    ),
    "deepseek_v3_1": (
        '<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>get_weather<｜tool▁sep｜>{"city": "Paris"}'
        "<｜tool▁call▁end｜><｜tool▁calls▁end｜>"
    ),
    "llama3_json": '{"name": "get_weather", "parameters": {"city": "Paris"}}',
    "mistral": '[TOOL_CALLS][{"name": "get_weather", "arguments": {"city": "Paris"}}]',
    "glm45": "<tool_call>get_weather\n<arg_key>city</arg_key>\n<arg_value>Paris</arg_value>\n</tool_call>",
    "kimi_k2": (
        "<|tool_calls_section_begin|><|tool_call_begin|>functions.get_weather:0<|tool_call_argument_begin|>"
        '{"city": "Paris"}<|tool_call_end|><|tool_calls_section_end|>'
    ),
}

TOOLS = [tool_definition("get_weather", {"city": {"type": "string"}})]


def auto(tools=None):
    return get_hermes().parser("auto", tools=tools)


def calls(parsed):
    return [(c.function.name, json.loads(c.function.arguments)) for c in parsed.tool_calls]


class TestAutoConformance(ParserConformance):
    parser_name = "auto"
    # JSON in prose is a call for llama3_json (vLLM's surrounding_text case), so not plain text for auto
    plain_texts = [t for t in ParserConformance.plain_texts if not t.startswith("{")]
    # auto's own cost on the first-party formats' bait (other families' parsers hold their own ratios)
    bait_tails = ()
    bait = [
        ("<tool_call>{'", ""),
        ("<tool_call>{'", "</tool_call>"),
        ("<function=<parameter=", ""),
        ("<longcat_tool_call>{'", ""),
    ]
    samples = [
        ParserSample(text=HERMES, calls=[("get_weather", {"city": "Paris"})]),
        ParserSample(
            text="Checking.\n" + QWEN3_CODER, calls=[("get_weather", {"city": "Paris"})], content="Checking."
        ),
        ParserSample(text=LONGCAT, calls=[("get_weather", {"city": "Paris"})]),
    ]


@pytest.mark.parametrize(
    ("text", "expected"), [(HERMES, "hermes"), (QWEN3_CODER, "qwen3_coder"), (LONGCAT, "longcat")]
)
def test_detects_first_party_formats(text, expected):
    if expected not in get_hermes().parsers:
        pytest.skip(f"{expected} not installed")
    detected, parsed = auto().resolve(text)
    assert detected == expected
    assert calls(parsed) == [("get_weather", {"city": "Paris"})]


@pytest.mark.parametrize("name", sorted(FOREIGN))
def test_detects_other_installed_families(name):
    if name not in get_hermes().parsers:
        pytest.skip(f"{name} not installed")
    parsed = auto(TOOLS).parse(FOREIGN[name])
    assert calls(parsed) == [("get_weather", {"city": "Paris"})]
    assert auto(TOOLS).detect(FOREIGN[name]) in {
        name,
        *get_hermes().parsers.by_plugin(get_hermes().parsers.entry(name).plugin),
    }


def test_plain_text_is_content():
    assert auto().parse("Nothing to call.").content == "Nothing to call."
    assert auto().detect("Nothing to call.") is None


# --- auto learns formats from whatever is registered ---------------------------------------------------


class BangParser(ToolCallParser):
    """``!!NAME`` — a toy format only this test knows."""

    name = "bang"
    start_markers = ("!!",)

    def extract(self, text):
        name = text.split("!!", 1)[1].split()[0]
        return ParsedCompletion(None, [ToolCall(make_call_id(), FunctionCall(name, "{}"))])


class GreedyParser(ToolCallParser):
    """Claims anything with ``<tool_call>``, naming the call after the markup that follows (a bad parser)."""

    name = "aaa_greedy"
    start_markers = ("<tool_call>",)

    def extract(self, text):
        return ParsedCompletion(None, [ToolCall(make_call_id(), FunctionCall("<function=x>", "{}"))])


class _Toys:
    @hookimpl
    def register_tool_call_parsers(self, register):
        register(BangParser)
        register(GreedyParser)


@pytest.fixture
def toy_host():
    host = Hermes.from_entry_points()
    host.register(_Toys(), name="toys")
    previous = get_hermes()
    set_hermes(host)
    try:
        yield host
    finally:
        set_hermes(previous)


def test_new_plugin_format_is_detected(toy_host):
    parser = toy_host.parser("auto")
    assert parser.detect("ok !!reboot now") == "bang"
    assert [c.function.name for c in parser.parse("ok !!reboot now").tool_calls] == ["reboot"]


def test_markup_names_lose_to_a_real_parse(toy_host):
    """A parser that mistakes another format's markup for a name is passed over."""
    if "qwen3_coder" not in toy_host.parsers:
        pytest.skip("qwen3_coder not installed")
    assert toy_host.parser("auto").detect(QWEN3_CODER) == "qwen3_coder"


def test_implausible_result_kept_as_last_resort(toy_host):
    text = "<tool_call>not any known format</tool_call>"
    parsed = toy_host.parser("auto").parse(text)
    assert [c.function.name for c in parsed.tool_calls] == ["<function=x>"]


def test_names_from_tools_preferred(toy_host):
    """With ``tools`` given, a parse naming a given tool wins; one naming none is still kept as a fallback."""
    assert toy_host.parser("auto", tools=TOOLS).detect(QWEN3_CODER) == "qwen3_coder"
    other = [{"type": "function", "function": {"name": "other"}}]
    assert calls(toy_host.parser("auto", tools=other).parse(HERMES)) == [("get_weather", {"city": "Paris"})]


PROSE = [
    "Use a list [1, 2, 3] or a dict {'a': 1} here.\n",
    "Run it:\n```bash\nls -la\n```\nthen set to= something.",
    'The JSON {"name": "x", "arguments": {}} is only an example, and [get(a=1)] too.',
]


@pytest.mark.parametrize("text", PROSE)
def test_prose_with_brackets_streams_at_once(text):
    """Issue 21.4: ``[``, ``{``, fences and ``to=`` in prose are not held back: only a suffix that may
    still become a specific marker is."""
    parser = auto()
    longest = max(len(m) for m in parser.start_markers if m not in ("[", "{", "```", "to="))
    stream = parser.stream()
    sent = ""
    for fed in range(1, len(text) + 1):
        sent += "".join(d.content or "" for d in stream.feed(text[fed - 1]))
        assert len(text[len(sent) : fed].lstrip()) < longest, (text[:fed], sent)
    sent += "".join(d.content or "" for d in stream.finish())
    assert sent == text and parser.parse(text).tool_calls == []


@pytest.mark.parametrize("size", [1, 3, 7])
def test_completion_that_begins_with_a_generic_marker_is_still_a_call(size):
    from hermes_testkit.parser_helpers import assert_cuts_match_parse

    text = '[TOOL_CALLS][{"name": "get_weather", "arguments": {"city": "Paris"}}]'
    assert calls(auto(TOOLS).parse(text)) == [("get_weather", {"city": "Paris"})]
    assert_cuts_match_parse(auto(), text, sizes=(size,))
    pythonic = "[get_weather(city='Paris')]"
    assert calls(auto(TOOLS).parse(pythonic)) == [("get_weather", {"city": "Paris"})]
    assert_cuts_match_parse(auto(), pythonic, sizes=(size,))
