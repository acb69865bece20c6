"""gpt-oss completions as the harmony renderer writes them (the prompt ends with ``<|start|>assistant``)."""

ANALYSIS = (
    '<|channel|>analysis<|message|>User asks: "What is the weather in Tokyo?" '
    "We need to use get_current_weather tool.<|end|>"
)
SINGLE_CALL = (
    ANALYSIS + "<|start|>assistant<|channel|>commentary to=functions.get_current_weather "
    '<|constrain|>json<|message|>{"location": "Tokyo"}<|call|>'
)
PARALLEL_CALLS = (
    ANALYSIS + "<|start|>assistant<|channel|>commentary to=functions.get_current_weather "
    '<|constrain|>json<|message|>{"location": "Tokyo"}<|call|>'
    "<|start|>assistant to=functions.get_user_location<|channel|>commentary json"
    '<|message|>{"precise": true}<|call|>'
)
CALL_THEN_FINAL = (
    ANALYSIS + "<|start|>assistant<|channel|>commentary to=functions.get_current_weather "
    '<|constrain|>json<|message|>{"location": "Tokyo"}<|call|>'
    "<|start|>assistant<|channel|>final<|message|>This tool call will get the weather.<|return|>"
)
PREAMBLE_THEN_CALL = (
    "<|channel|>analysis<|message|>Need to search.<|end|>"
    "<|start|>assistant<|channel|>commentary<|message|>Let me look that up.<|end|>"
    "<|start|>assistant<|channel|>commentary to=functions.search <|constrain|>json"
    '<|message|>{"query": "gpt-oss harmony", "top_k": 3}<|call|>'
)
# The server usually strips the <|call|> stop token from the returned text.
STOP_TOKEN_STRIPPED = (
    "<|channel|>analysis<|message|>Read the file.<|end|>"
    "<|start|>assistant<|channel|>commentary to=functions.read_file <|constrain|>json"
    '<|message|>{"path": "README.md"}'
)

SAMPLE_COMPLETIONS: list[str] = [SINGLE_CALL, PARALLEL_CALLS, CALL_THEN_FINAL, PREAMBLE_THEN_CALL]
