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

# DeepSeek-V3.2 DSML (the layout of its encoding_dsv32.py); V4 wraps the same invokes in tool_calls.
V32_PARALLEL = (
    "<｜DSML｜function_calls>\n"
    '<｜DSML｜invoke name="get_weather">\n'
    '<｜DSML｜parameter name="location" string="true">杭州</｜DSML｜parameter>\n'
    '<｜DSML｜parameter name="date" string="true">2024-01-16</｜DSML｜parameter>\n'
    "</｜DSML｜invoke>\n"
    '<｜DSML｜invoke name="get_weather">\n'
    '<｜DSML｜parameter name="location" string="true">北京</｜DSML｜parameter>\n'
    '<｜DSML｜parameter name="date" string="true">2024-01-16</｜DSML｜parameter>\n'
    "</｜DSML｜invoke>\n"
    "</｜DSML｜function_calls>"
)
V32_TYPED = (
    "I'll search for that.\n\n<｜DSML｜function_calls>\n"
    '<｜DSML｜invoke name="search">\n'
    '<｜DSML｜parameter name="query" string="true">DeepSeek V3.2 release notes</｜DSML｜parameter>\n'
    '<｜DSML｜parameter name="top_k" string="false">5</｜DSML｜parameter>\n'
    '<｜DSML｜parameter name="filters" string="false">{"lan'
    'g": ["en", "zh"], "recent": true}</｜DSML｜parameter>\n'
    "</｜DSML｜invoke>\n"
    "</｜DSML｜function_calls><｜end▁of▁sentence｜>"
)
V4_SINGLE = (
    "<｜DSML｜tool_calls>\n"
    '<｜DSML｜invoke name="get_weather">\n'
    '<｜DSML｜parameter name="city" string="true">Hangzhou</｜DSML｜parameter>\n'
    '<｜DSML｜parameter name="days" string="false">5</｜DSML｜parameter>\n'
    "</｜DSML｜invoke>\n"
    "</｜DSML｜tool_calls>"
)

SAMPLE_COMPLETIONS: list[str] = [V3_SINGLE, V3_PARALLEL, V31_SINGLE, V31_PARALLEL]
DSML_SAMPLE_COMPLETIONS: list[str] = [V32_PARALLEL, V32_TYPED, V4_SINGLE]
