"""Completions as Kimi-K2 emits them (special tokens kept, as the parser needs); the benchmark uses them."""

K2_SINGLE = (
    "<|tool_calls_section_begin|><|tool_call_begin|>functions.get_weather:0<|tool_call_argument_begin|>"
    '{"city": "Beijing"}<|tool_call_end|><|tool_calls_section_end|>'
)
K2_PARALLEL = (
    "I'll check the weather in both cities at once."
    "<|tool_calls_section_begin|>"
    "<|tool_call_begin|>functions.get_weather:0<|tool_call_argument_begin|>"
    '{"city": "Beijing", "unit": "celsius"}<|tool_call_end|>'
    "<|tool_call_begin|>functions.get_weather:1<|tool_call_argument_begin|>"
    '{"city": "上海", "unit": "celsius"}<|tool_call_end|>'
    "<|tool_calls_section_end|>"
)
# later in a conversation the index keeps counting; K2-0905 puts a space/newline here and there
K2_LATER_TURN = (
    "<|tool_calls_section_begin|>\n"
    "<|tool_call_begin|> functions.run_shell:5 <|tool_call_argument_begin|> "
    '{"command": "pytest -q tests/ -k \\"parser and not slow\\"", "cwd": "/work"} <|tool_call_end|>\n'
    "<|tool_calls_section_end|>"
)
K2_THINKING = (
    "<think>The user wants the latest release notes; search first, then fetch.</think>"
    "<|tool_calls_section_begin|>"
    "<|tool_call_begin|>functions.web_search:2<|tool_call_argument_begin|>"
    '{"query": "Kimi K2 Thinking release notes", "limit": 5}<|tool_call_end|>'
    "<|tool_call_begin|>functions.fetch_url:3<|tool_call_argument_begin|>"
    '{"url": "https://moonshotai.github.io/Kimi-K2/"}<|tool_call_end|>'
    "<|tool_calls_section_end|>"
)

SAMPLE_COMPLETIONS: list[str] = [K2_SINGLE, K2_PARALLEL, K2_LATER_TURN, K2_THINKING]

# Kimi-K3 XTML: the response channel, then the tools channel (markers as the chat template writes them).
K3_SINGLE = (
    "<|open|>response<|sep|>Let me run that.<|close|>response<|sep|>"
    "<|open|>tools<|sep|>"
    '<|open|>call tool="python" index="1"<|sep|>'
    '<|open|>argument key="code" type="string"<|sep|>print(sum(range(10)))<|close|>argument<|sep|>'
    '<|open|>argument key="timeout" type="integer"<|sep|>30<|close|>argument<|sep|>'
    "<|close|>call<|sep|>"
    "<|close|>tools<|sep|>"
)
# The response opening is part of the prompt in chat serving: only its closing marker is generated.
K3_PARALLEL = (
    "Checking both.<|close|>response<|sep|>"
    "<|open|>tools<|sep|>"
    '<|open|>call tool="get_weather" index="1"<|sep|>'
    '<|open|>argument key="city" type="string"<|sep|>Beijing<|close|>argument<|sep|>'
    "<|close|>call<|sep|>"
    '<|open|>call tool="get_weather" index="2"<|sep|>'
    '<|open|>argument key="city" type="string"<|sep|>上海<|close|>argument<|sep|>'
    '<|open|>argument key="opts" type="object"<|sep|>{"uni'
    't": "celsius", "days": [1, 2]}<|close|>argument<|sep|>'
    "<|close|>call<|sep|>"
    "<|close|>tools<|sep|><|close|>message<|sep|>"
)
