"""Completions as DeepSeek models emit them (chat-template tokens, with the end-of-sentence token left in
where vLLM is run with ``skip_special_tokens=False``); the parser benchmark uses them."""

V3_SINGLE = (
    "<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>get_weather\n"
    '```json\n{"location": "Hangzhou, China", "unit": "celsius"}\n```<｜tool▁call▁end｜><｜tool▁calls▁end｜>'
)
V3_PARALLEL = (
    "I'll look up the weather in both cities.\n\n"
    "<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>get_weather\n"
    '```json\n{"location": "Tokyo"}\n```<｜tool▁call▁end｜>\n'
    "<｜tool▁call▁begin｜>function<｜tool▁sep｜>get_weather\n"
    '```json\n{"location": "Paris"}\n```<｜tool▁call▁end｜>\n'
    "<｜tool▁call▁begin｜>function<｜tool▁sep｜>search_web\n"
    '```json\n{"query": "événements à Paris ce week-end", "max_results": 5, '
    '"filters": {"lang": ["fr", "en"]}}\n'
    "```<｜tool▁call▁end｜><｜tool▁calls▁end｜><｜end▁of▁sentence｜>"
)
V31_SINGLE = (
    "<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>terminal<｜tool▁sep｜>"
    '{"command": "grep -rn \\"TODO\\" src/ | head -n 20", "timeout": 30}'
    "<｜tool▁call▁end｜><｜tool▁calls▁end｜>"
)
V31_PARALLEL = (
    "Let me read both files first."
    "<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>read_file<｜tool▁sep｜>"
    '{"path": "src/main.py"}<｜tool▁call▁end｜>'
    "<｜tool▁call▁begin｜>read_file<｜tool▁sep｜>"
    '{"path": "tests/test_main.py"}<｜tool▁call▁end｜>'
    "<｜tool▁call▁begin｜>list_dir<｜tool▁sep｜>{}<｜tool▁call▁end｜><｜tool▁calls▁end｜><｜end▁of▁sentence｜>"
)

SAMPLE_COMPLETIONS: list[str] = [V3_SINGLE, V3_PARALLEL, V31_SINGLE, V31_PARALLEL]
