"""Completions as Mistral models emit them (special tokens kept, as vLLM's mistral parser needs); the
parser benchmark uses them."""

# Mistral-7B-Instruct-v0.3 (v3 tokenizer): a space follows the token after detokenisation
V3_SINGLE = (
    '[TOOL_CALLS] [{"name": "get_current_weather", '
    '"arguments": {"location": "Paris, France", "format": "celsius"}}]'
)
# Mistral-Nemo / Small 2409 (tekken): parallel calls in one array, with the ids the template teaches
TEKKEN_PARALLEL = (
    '[TOOL_CALLS][{"name": "get_weather", "arguments": {"city": "Lyon"}, "id": "Ab3dE5gH1"}, '
    '{"name": "get_weather", "arguments": {"city": "Marseille"}, "id": "kL9mN0pQ2"}]</s>'
)
# Mistral Small 3.2 / Devstral (v11+ tokenizer): one [TOOL_CALLS] per call, [ARGS] before the JSON
V11_PARALLEL = (
    "I'll check the repository layout and the failing test."
    '[TOOL_CALLS]list_directory[ARGS]{"path": "src", "recursive": false}'
    '[TOOL_CALLS]run_tests[ARGS]{"paths": ["tests/test_parser.py::test_unicode"], "verbose": true}</s>'
)
# the same layout as vLLM sees it when [ARGS] is decoded away
V11_NO_ARGS_TOKEN = '[TOOL_CALLS]search{"query": "Élysée opening hours", "filters": {"lang": "fr"}}'

SAMPLE_COMPLETIONS: list[str] = [V3_SINGLE, TEKKEN_PARALLEL, V11_PARALLEL, V11_NO_ARGS_TOKEN]
