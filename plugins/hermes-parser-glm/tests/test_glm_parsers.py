import json

from hermes_parser_glm.parser import Glm45Parser, Glm47Parser
from hermes_parser_glm.samples import GLM45_SINGLE, GLM45_THINK_PARALLEL, GLM45_TYPED, GLM47_PARALLEL

from hermes_testkit.parser_helpers import (
    CODE_1KB,
    assert_call_closes_at_its_end_marker,
    assert_cuts_match_parse,
    assert_streams_early,
    tool_definition,
)
from hermes_testkit.parser_helpers import decoded_calls as calls
from hermes_testkit.parsers import ParserConformance, ParserSample

TOOLS = [
    tool_definition(
        "lookup_zip",
        {
            "zip": {"type": "string"},
            "radius_km": {"type": "number"},
            "tags": {"type": "array", "items": {"type": "string"}},
            "note": {"type": "string"},
        },
        description="Find a place by postal code.",
    )
]


GLM45_SAMPLES = [
    ParserSample(GLM45_SINGLE, [("get_weather", {"city": "北京", "date": "2025-07-28"})]),
    ParserSample(
        GLM45_THINK_PARALLEL,
        [("get_weather", {"city": "Beijing", "days": 3}), ("get_weather", {"city": "Shanghai", "days": 3})],
        content="<think>The user asks about two cities, so I will call get_weather twice.</think>\n"
        "I'll check both cities.",
    ),
    ParserSample(
        GLM45_TYPED,
        [
            (
                "search_web",
                {
                    "query": "vLLM glm4_moe tool parser",
                    "options": {"max_results": 5, "lang": ["en", "zh"], "safe": True},
                },
            )
        ],
    ),
    ParserSample(
        "<tool_call>lookup_zip\n<arg_key>zip</arg_key>\n<arg_value>02139</arg_value>\n"
        "<arg_key>radius_km</arg_key>\n<arg_value>2.5</arg_value>\n</tool_call>",
        [("lookup_zip", {"zip": "02139", "radius_km": 2.5})],
        tools=TOOLS,
    ),
]
GLM47_SAMPLES = [
    ParserSample(GLM47_PARALLEL, [("read_file", {"path": "src/app.py", "limit": 200}), ("list_files", {})]),
    ParserSample(
        "<think>Need the zip lookup.</think>Looking it up."
        "<tool_call>lookup_zip<arg_key>zip</arg_key><arg_value>10001</arg_value>"
        '<arg_key>tags</arg_key><arg_value>["food", "café"]</arg_value></tool_call>',
        [("lookup_zip", {"zip": "10001", "tags": ["food", "café"]})],
        content="<think>Need the zip lookup.</think>Looking it up.",
        tools=TOOLS,
    ),
    *GLM45_SAMPLES[:2],  # glm47 also reads the GLM-4.5 layout
]


class TestGlm45Conformance(ParserConformance):
    parser_name = "glm45"
    samples = GLM45_SAMPLES
    parameter_end = "</arg_value>"


class TestGlm47Conformance(ParserConformance):
    parser_name = "glm47"
    samples = GLM47_SAMPLES
    parameter_end = "</arg_value>"


def test_values_typed_by_schema_when_tools_given():
    text = "<tool_call>lookup_zip\n<arg_key>zip</arg_key>\n<arg_value>12345</arg_value>\n</tool_call>"
    assert calls(Glm45Parser(tools=TOOLS).parse(text)) == [("lookup_zip", {"zip": "12345"})]
    # without the schema the value is JSON-decoded, as vLLM does
    assert calls(Glm45Parser().parse(text)) == [("lookup_zip", {"zip": 12345})]


def test_string_typed_value_kept_verbatim_apart_from_strip():
    code = 'print("hi")\nx = {"a": [1, 2]}\n'
    text = f"<tool_call>lookup_zip\n<arg_key>note</arg_key>\n<arg_value>\n{code}</arg_value>\n</tool_call>"
    assert calls(Glm45Parser(tools=TOOLS).parse(text)) == [("lookup_zip", {"note": code.strip()})]


def test_untyped_values_json_then_literal_then_text():
    pairs = {
        "obj": ('{"a": {"b": [1, null]}}', {"a": {"b": [1, None]}}),
        "flag": ("true", True),
        "pyflag": ("True", True),
        "pylist": ("['x', 'y']", ["x", "y"]),
        "tuple": ("(1, 2)", [1, 2]),
        "set": ("{1, 2}", "{1, 2}"),
        "num": ("-3.5e2", -350.0),
        "nan": ("NaN", "NaN"),
        "text": ("hello world", "hello world"),
        "empty": ("", ""),
    }
    body = "".join(f"<arg_key>{k}</arg_key><arg_value>{raw}</arg_value>" for k, (raw, _) in pairs.items())
    parsed = Glm47Parser().parse(f"<tool_call>f{body}</tool_call>")
    assert calls(parsed) == [("f", {k: want for k, (_, want) in pairs.items()})]


def test_unicode_and_escapes_in_values():
    text = (
        "<tool_call>send_message\n<arg_key>text</arg_key>\n"
        '<arg_value>Ça va? 👋 "quoted" \\n literal</arg_value>\n'
        "</tool_call>"
    )
    parsed = Glm45Parser().parse(text)
    assert calls(parsed) == [("send_message", {"text": 'Ça va? 👋 "quoted" \\n literal'})]
    assert "👋" in parsed.tool_calls[0].function.arguments


def test_string_encoded_json_value_decoded_once():
    """A value the model wrote as a JSON string literal is decoded once, never encoded twice."""
    text = '<tool_call>f\n<arg_key>payload</arg_key>\n<arg_value>"{\\"a\\": 1}"</arg_value>\n</tool_call>'
    assert calls(Glm45Parser().parse(text)) == [("f", {"payload": '{"a": 1}'})]


def test_end_tag_inside_a_value_does_not_cut_the_call():
    """vLLM's ``<tool_call>.*?</tool_call>`` ends the call inside the value; the pair scan does not."""
    text = (
        "<tool_call>write_file\n<arg_key>content</arg_key>\n"
        "<arg_value>Use </tool_call> to close a call.</arg_value>\n</tool_call>"
    )
    assert calls(Glm45Parser().parse(text)) == [
        ("write_file", {"content": "Use </tool_call> to close a call."})
    ]


def test_glm45_reads_the_glm47_layout_like_vllm():
    """vLLM's registry now maps ``glm45`` to its GLM-4.7 parser: a name without its newline is a call.

    # vLLM vllm/frontend/processing/tool_parsers/__init__.py: "glm45" -> Glm47MoeModelToolParser
    """
    text = "<tool_call>get_time</tool_call>"
    assert calls(Glm45Parser().parse(text)) == [("get_time", {})]
    text = "<tool_call>a<arg_key>k</arg_key><arg_value>1</arg_value></tool_call>\n<tool_call>b\n</tool_call>"
    assert calls(Glm45Parser().parse(text)) == [("a", {"k": 1}), ("b", {})]
    assert calls(Glm47Parser().parse(text)) == [("a", {"k": 1}), ("b", {})]


def test_zero_argument_calls():
    assert calls(Glm45Parser().parse("<tool_call>get_time\n</tool_call>")) == [("get_time", {})]
    assert calls(Glm47Parser().parse("<tool_call>get_time</tool_call>")) == [("get_time", {})]


def test_hermes_json_in_tool_call_tags_is_not_a_glm_call():
    text = '<tool_call>\n{"name": "f", "arguments": {}}\n</tool_call>'
    for parser in (Glm45Parser(), Glm47Parser()):
        assert parser.parse(text).tool_calls == [] and parser.parse(text).content == text


def test_malformed_pairs_skipped_like_stray_text():
    """A key without its value (or without a name) is skipped as vLLM's ``_ARG_RE.finditer`` skips it: the
    call stays (a stream sent its name at the first ``<arg_key>``), with the pairs that are whole."""
    good = "<tool_call>ok\n<arg_key>a</arg_key>\n<arg_value>1</arg_value>\n</tool_call>"
    bad = "<tool_call>broken\n<arg_key>a</arg_key>\n<arg_key>b</arg_key>\n</tool_call>"
    assert calls(Glm45Parser().parse(bad + "\n" + good)) == [("broken", {}), ("ok", {"a": 1})]
    nameless = (
        "<tool_call>f<arg_key> </arg_key><arg_value>1</arg_value><arg_key>b</arg_key><arg_value>2</arg_value>"
    )
    assert calls(Glm47Parser().parse(nameless + "</tool_call>")) == [("f", {"b": 2})]
    garbled = (
        "<tool_call>f<arg_key>a</arg_key>x<arg_value>1</arg_value>"
        "<arg_key>b</arg_key><arg_value>2</arg_value>"
    )
    assert calls(Glm47Parser().parse(garbled + "</tool_call>")) == [("f", {"b": 2})]
    text = "<tool_call>a<arg_key>k</arg_key><arg_value>1</arg_value><tool_call>b</tool_call>"
    assert calls(Glm47Parser().parse(text)) == [("a", {"k": 1}), ("b", {})]  # a call not closed ends there


def test_stray_text_between_pairs_ignored_like_vllm():
    text = (
        "<tool_call>f\n<arg_key>a</arg_key><arg_value>1</arg_value> junk "
        "<arg_key>b</arg_key><arg_value>2</arg_value></tool_call>"
    )
    assert calls(Glm47Parser().parse(text)) == [("f", {"a": 1, "b": 2})]


def test_truncated_call_keeps_its_whole_pairs():
    """Cut off (max_tokens): the call stays once its name is complete, with every pair whose
    ``</arg_value>`` came; the cut one is left out. vLLM 0.34's GLM-4.7 engine does the same (its
    ``finish()`` ends the open call, ``_glm47_parse_args(raw, partial=False)`` keeps closed pairs)."""
    text = GLM45_SINGLE + "\n<tool_call>get_weather\n<arg_key>city</arg_key>\n<arg_value>Shang"
    assert calls(Glm45Parser().parse(text)) == [
        ("get_weather", {"city": "北京", "date": "2025-07-28"}),
        ("get_weather", {}),
    ]
    text = "<tool_call>f\n<arg_key>a</arg_key>\n<arg_value>1</arg_value>\n<arg_key>b</arg_key>\n<arg_value>2"
    assert calls(Glm45Parser().parse(text)) == [("f", {"a": 1})]
    for cut in ("<tool_call>f", "<tool_call>f\n<arg_", "<tool_call>f</tool_"):  # the name may go on
        assert Glm45Parser().parse(cut).tool_calls == []


def test_repeated_key_keeps_both_in_order():
    """Decoded, the last value wins (vLLM's dict); the text keeps both so a stream never takes one back."""
    text = (
        "<tool_call>f<arg_key>a</arg_key><arg_value>1</arg_value><arg_key>b</arg_key><arg_value>x</arg_value>"
        "<arg_key>a</arg_key><arg_value>2</arg_value></tool_call>"
    )
    parsed = Glm47Parser().parse(text)
    assert calls(parsed) == [("f", {"a": 2, "b": "x"})]
    assert parsed.tool_calls[0].function.arguments == '{"a": 1, "b": "x", "a": 2}'


def test_a_call_that_began_is_not_taken_back_by_a_later_think_end():
    """A completion whose ``<think>`` sits in the prompt: a call whose name came before ``</think>`` is a
    call (vLLM's GLM-4.7 engine ends the reasoning at a tool call); one quoted inside an explicit
    ``<think>`` block is not."""
    call = "<tool_call>a<arg_key>k</arg_key><arg_value>1</arg_value></tool_call>"
    later = "<tool_call>b</tool_call>"
    assert calls(Glm47Parser().parse(call + "</think>" + later)) == [("a", {"k": 1}), ("b", {})]
    parsed = Glm47Parser().parse("<think>quoting " + call + "</think>Sure." + later)
    assert calls(parsed) == [("b", {})] and parsed.content == "<think>quoting " + call + "</think>Sure."
    # cut by ``</think>`` before its name ended: reasoning
    assert calls(Glm47Parser().parse("<tool_call>a</think>" + later)) == [("b", {})]
    # a call quoted in reasoning is not sent while no call follows: a later one would void it
    text = "<think>x" + call + "<think>y</think>" + later
    assert calls(Glm47Parser().parse(text)) == [("b", {})]
    assert calls(Glm47Parser().parse(text[: text.index("</think>") + 8])) == [("a", {"k": 1})]
    assert_cuts_match_parse(Glm47Parser(), text, seed=5)


def test_a_call_closes_once_its_end_marker_is_in():
    """The whole call, ``}`` included, goes out at the stream's next read after ``</tool_call>`` (it reads
    as the text grows by a sixteenth), not only when the next call begins or the stream ends."""
    for parser, call in ((Glm47Parser(), BEIJING), (Glm45Parser(), GLM45_SINGLE)):
        assert_call_closes_at_its_end_marker(parser, call)


def test_20kb_call_streams_pair_by_pair():
    """20 pairs of 1 KB: >= 90 % of the arguments go out before ``</tool_call>``, the name at once."""
    body = "".join(f"<arg_key>part_{i}</arg_key><arg_value>{CODE_1KB}</arg_value>" for i in range(20))
    for layout in ("<tool_call>write_files{}</tool_call>", "<tool_call>write_files\n{}\n</tool_call>"):
        text = "I'll write them.\n" + layout.format(body)
        name_by = text.index("write_files") + len("write_files") + len("<arg_key>") + 1
        end = text.rindex("</tool_call>")
        assert_streams_early(Glm47Parser(), text, name="write_files", name_by=name_by, end=end)


def test_plain_text_is_content():
    for text in ["Just text.", "<arg_key>a</arg_key>", "Talking about <tool_call tags> in prose"]:
        assert Glm47Parser().parse(text).content == text and Glm47Parser().parse(text).tool_calls == []


# issue 15.1: the shapes that made GLM parsing quadratic (or slow per block) hold the kit's ratio
GLM_BAIT = [
    ("({'", "</tool_call>"),
    ("<tool_call>({'", "</tool_call>"),
    ("<tool_call>f<arg_key>k</arg_key><arg_value>", ""),
    ("<arg_key>k</arg_key><arg_value>({'</arg_value>", "</tool_call>"),
    ("<tool_call>f<arg_key>k</arg_key>", "</tool_call>"),
    ("<tool_call>f junk ", "</tool_call>"),
]


def test_glm_bait_is_linear():
    from hermes_testkit.linearity import assert_linear

    for parser in (Glm45Parser(), Glm47Parser()):
        for unit, suffix in GLM_BAIT:
            assert_linear(parser.parse, unit, suffix)
        # a single block with 100k repeated pairs: each key's value is typed once, at the end
        assert_linear(lambda t, p=parser: p.parse("<tool_call>f" + t), *GLM_BAIT[3])


# vLLM tests/tool_parsers/test_glm47_moe_tool_parser.py (tools: get_current_date, get_weather)
VLLM_TOOLS = [
    {"type": "function", "function": {"name": "get_current_date", "parameters": {}}},
    tool_definition("get_weather", {"city": {"type": "string"}, "date": {"type": "string"}}),
]
BEIJING = "<tool_call>get_weather<arg_key>city</arg_key><arg_value>Beijing</arg_value></tool_call>"
VLLM_GLM47 = [
    # ::TestGlm47ExtractToolCalls::test_zero_arg_inline / test_empty_content_none
    ("<tool_call>get_current_date</tool_call>", [("get_current_date", {})], None),
    # ::test_zero_arg_newline
    ("<tool_call>get_current_date\n</tool_call>", [("get_current_date", {})], None),
    # ::test_args_same_line
    (BEIJING, [("get_weather", {"city": "Beijing"})], None),
    # ::test_args_with_newlines
    (
        "<tool_call>get_weather\n<arg_key>city</arg_key>\n<arg_value>Beijing</arg_value>\n</tool_call>",
        [("get_weather", {"city": "Beijing"})],
        None,
    ),
    # ::test_content_before
    ("Checking.<tool_call>get_current_date</tool_call>", [("get_current_date", {})], "Checking."),
    # ::test_multiple
    (
        BEIJING + BEIJING.replace("Beijing", "Shanghai"),
        [("get_weather", {"city": "Beijing"}), ("get_weather", {"city": "Shanghai"})],
        None,
    ),
    # ::test_whitespace_content_none
    ("  \n  <tool_call>get_current_date</tool_call>", [("get_current_date", {})], None),
]


def test_vllm_glm47_extract_cases():
    for parser in (Glm45Parser(tools=VLLM_TOOLS), Glm47Parser(tools=VLLM_TOOLS)):
        for text, expected, content in VLLM_GLM47:
            parsed = parser.parse(text)
            assert calls(parsed) == expected, text
            assert parsed.content == content, text
        # ::test_no_tool_call
        assert parser.parse("This is a plain response.").content == "This is a plain response."


def test_vllm_glm47_names_validated_against_tools():
    # ::TestGlm47Streaming::test_delays_prefix_only_tool_name_until_exact_match: "get" is no tool
    text = "<tool_call>get<arg_key>city</arg_key><arg_value>Beijing</arg_value></tool_call>"
    assert Glm47Parser(tools=VLLM_TOOLS).parse(text).tool_calls == []
    assert calls(Glm47Parser().parse(text)) == [("get", {"city": "Beijing"})]  # no tools: not checked


def test_vllm_glm47_streaming_chunks():
    # ::TestGlm47Streaming::test_no_args / ::test_with_args
    from hermes_core.parsing_stream import join_deltas

    for chunks, want in [
        (["<tool_call>", "get_current_date", "</tool_call>"], [("get_current_date", {})]),
        (
            [
                "<tool_call>",
                "get_weather\n",
                "<arg_key>city</arg_key>",
                "<arg_value>",
                "Beijing",
                "</arg_value>",
            ]
            + ["</tool_call>"],
            [("get_weather", {"city": "Beijing"})],
        ),
    ]:
        stream = Glm47Parser().stream(tools=VLLM_TOOLS)
        _, got = join_deltas([d for c in chunks for d in stream.feed(c)] + stream.finish())
        assert [(c["function"]["name"], json.loads(c["function"]["arguments"])) for c in got] == want
