"""ParsedCompletion -> OpenAI assistant message: the one helper the loop, serve and envs share."""

from hermes_core.parsing import FunctionCall, ParsedCompletion, ToolCall


def test_calls_give_tool_calls_and_finish_reason_tool_calls():
    call = ToolCall(id="call_1", function=FunctionCall(name="get_weather", arguments='{"city": "Paris"}'))
    parsed = ParsedCompletion("Let me look.", [call])
    assert parsed.as_assistant_message() == {
        "role": "assistant",
        "content": "Let me look.",
        "tool_calls": [call.model_dump()],
    }
    assert parsed.finish_reason("length") == "tool_calls"


def test_no_calls_keep_the_content_and_how_the_model_ended():
    parsed = ParsedCompletion("It is sunny.")
    assert parsed.as_assistant_message() == {"role": "assistant", "content": "It is sunny."}
    assert parsed.finish_reason() == "stop"
    assert parsed.finish_reason("length") == "length"
