"""Completions as Llama 3.x / 4 emit them with the JSON tool-calling template (``<|eom_id|>`` / ``<|eot_id|>``
left in where special tokens are not skipped); the parser benchmark uses them."""

LLAMA31_SINGLE = (
    '{"name": "get_current_weather", "parameters": {"location": "San Francisco, CA", "unit": "fahrenheit"}}'
)
LLAMA32_PYTHON_TAG = (
    '<|python_tag|>{"name": "search_web", "parameters": {"query": "latest PyPI release of pluggy"}}<|eom_id|>'
)
LLAMA33_PARALLEL = (
    '{"name": "get_weather", "parameters": {"city": "Paris", "days": 3}}; '
    '{"name": "get_weather", "parameters": {"city": "München", "days": 3}}; '
    '{"name": "convert_currency", "parameters": {"amount": 100, "from": "EUR", "to": "JPY"}}'
)
LLAMA4_ARGUMENTS = (
    '{"name": "terminal", "arguments": {"command": "ls -la /tmp && echo \\"done\\"", "timeout": 60}}<|eot|>'
)

SAMPLE_COMPLETIONS: list[str] = [LLAMA31_SINGLE, LLAMA32_PYTHON_TAG, LLAMA33_PARALLEL, LLAMA4_ARGUMENTS]
