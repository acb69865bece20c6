"""MiniMax-M3 parser: conformance and the cases of vLLM's suite."""

from hermes_parser_minimax.m3 import MinimaxM3Parser

from hermes_testkit.parser_helpers import assert_cuts_match_parse, tool_definition
from hermes_testkit.parser_helpers import decoded_calls as calls
from hermes_testkit.parsers import ParserConformance, ParserSample

NS = "]<]minimax[>["
TOOLS = [
    tool_definition(
        "create_order",
        {
            "user_id": {"type": "integer"},
            "urgent": {"type": "boolean"},
            "note": {"type": "string"},
            "shipping": {
                "type": "object",
                "properties": {"city": {"type": "string"}, "zip": {"type": "integer"}},
            },
            "items": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"sku": {"type": "string"}, "qty": {"type": "integer"}},
                },
            },
            "metadata": {"type": "object", "additionalProperties": {"type": "string"}},
            "duplicate_demo": {"type": "object"},
        },
    )
]
ORDER_CALL = (
    f"{NS}<tool_call>\n"
    f'{NS}<invoke name="create_order">'
    f"{NS}<user_id>42{NS}</user_id>"
    f"{NS}<urgent>true{NS}</urgent>"
    f"{NS}<note>Please leave at front desk.{NS}</note>"
    f"{NS}<shipping>{NS}<city>Singapore{NS}</city>{NS}<zip>018956{NS}</zip>{NS}</shipping>"
    f"{NS}<items>"
    f"{NS}<item>{NS}<sku>book-001{NS}</sku>{NS}<qty>2{NS}</qty>{NS}</item>"
    f"{NS}<item>{NS}<sku>pen-007{NS}</sku>{NS}<qty>5{NS}</qty>{NS}</item>"
    f"{NS}</items>"
    f"{NS}<metadata>{NS}<source>mobile{NS}</source>{NS}<campaign>may-launch{NS}</campaign>{NS}</metadata>"
    f"{NS}<duplicate_demo>{NS}<tag>a{NS}</tag>{NS}<tag>b{NS}</tag>{NS}</duplicate_demo>"
    f"{NS}</invoke>\n"
    f"{NS}</tool_call>"
)
ORDER_ARGS = {
    "user_id": 42,
    "urgent": True,
    "note": "Please leave at front desk.",
    "shipping": {"city": "Singapore", "zip": 18956},
    "items": [{"sku": "book-001", "qty": 2}, {"sku": "pen-007", "qty": 5}],
    "metadata": {"source": "mobile", "campaign": "may-launch"},
    "duplicate_demo": {"tag": ["a", "b"]},
}


def invocation(user_id):
    return f'{NS}<invoke name="create_order">{NS}<user_id>{user_id}{NS}</user_id>{NS}</invoke>'


MULTIPLE = f"{NS}<tool_call>\n{invocation(1)}\n{invocation(2)}\n{NS}</tool_call>"


class TestMinimaxM3Conformance(ParserConformance):
    parser_name = "minimax_m3"
    samples = [
        ParserSample(
            "I will create it.\n" + ORDER_CALL,
            [("create_order", ORDER_ARGS)],
            content="I will create it.",
            tools=TOOLS,
        ),
        ParserSample(
            MULTIPLE, [("create_order", {"user_id": 1}), ("create_order", {"user_id": 2})], tools=TOOLS
        ),
    ]


# vLLM tests/tool_parsers/test_minimax_m3_tool_parser.py::test_non_streaming_nested_tool_call
def test_nested_tool_call():
    parsed = MinimaxM3Parser().parse("I will create it.\n" + ORDER_CALL, tools=TOOLS)
    assert calls(parsed) == [("create_order", ORDER_ARGS)] and parsed.content == "I will create it."


# vLLM ...::test_non_streaming_without_tool_call_keeps_content / test_non_streaming_multiple_tool_calls
def test_plain_and_multiple():
    assert MinimaxM3Parser().parse("plain response").content == "plain response"
    parsed = MinimaxM3Parser().parse(MULTIPLE, tools=TOOLS)
    assert [a["user_id"] for _, a in calls(parsed)] == [1, 2] and parsed.content is None


# vLLM ...::test_streaming_flushes_partial_tool_start_as_text
def test_partial_start_is_text():
    text = f"plain {NS}<tool_ca"
    assert MinimaxM3Parser().parse(text).content == text


def test_cut_off_invoke_keeps_its_closed_elements():
    """vLLM 0.34 tests/parser/engine/test_minimax_m3.py ``test_truncated_invoke_keeps_completed_params``:
    cut inside ``note``, the invoke keeps ``user_id``."""
    block = f"{NS}<tool_call>\n" + invocation(1)[: -len(f"{NS}</invoke>")] + f"{NS}<note>x"
    assert calls(MinimaxM3Parser().parse(block, tools=TOOLS)) == [("create_order", {"user_id": 1})]
    text = f'plain {NS}<tool_call>\n{invocation(1)}\n{NS}<invoke name="create_order">{NS}<user_id>2'
    assert calls(MinimaxM3Parser().parse(text, tools=TOOLS)) == [
        ("create_order", {"user_id": 1}),
        ("create_order", {}),
    ]
    assert MinimaxM3Parser().parse(f'{NS}<tool_call>{NS}<invoke name="create_ord').tool_calls == []


def test_stray_closing_tag_ends_the_invoke():
    text = f"{NS}<tool_call>\n{NS}</user_id> after error"
    assert MinimaxM3Parser().parse(text).tool_calls == []
    broken = (
        f'{NS}<tool_call>{NS}<invoke name="f">{NS}<a>1{NS}</a>{NS}<b>2{NS}</c>{NS}</invoke>'
        f"{invocation(3)}{NS}</tool_call>"
    )
    assert calls(MinimaxM3Parser().parse(broken)) == [("f", {"a": "1"}), ("create_order", {"user_id": "3"})]


def test_name_streams_at_once_arguments_when_the_invoke_ends():
    """A repeated element turns the first value into a list: values wait for ``</invoke>``."""
    stream = MinimaxM3Parser().stream(tools=TOOLS)
    head = ORDER_CALL.index("<user_id>")
    parts = [p for d in stream.feed("I will create it.\n" + ORDER_CALL[:head]) for p in d.tool_calls]
    assert [(p.name, p.arguments) for p in parts] == [("create_order", "")]
    end = ORDER_CALL.index(f"{NS}</invoke>") + len(f"{NS}</invoke>")
    parts = [p for d in stream.feed(ORDER_CALL[head:end]) for p in d.tool_calls]
    assert ORDER_CALL[end:].strip() and parts and parts[-1].arguments.startswith('{"user_id": 42')


def test_without_schema_leaves_are_text():
    assert calls(MinimaxM3Parser().parse(MULTIPLE)) == [
        ("create_order", {"user_id": "1"}),
        ("create_order", {"user_id": "2"}),
    ]


def test_stream_equals_parse():
    parser = MinimaxM3Parser()
    for text in ("I will create it.\n" + ORDER_CALL, MULTIPLE):
        assert_cuts_match_parse(parser, text, sizes=(1, 7), seed=6)
