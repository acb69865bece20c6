"""Completions as GLM-4.5/4.6 and GLM-4.7 emit them (chat-template layout); the parser benchmark uses them."""

GLM45_SINGLE = (
    "<tool_call>get_weather\n<arg_key>city</arg_key>\n<arg_value>北京</arg_value>\n"
    "<arg_key>date</arg_key>\n<arg_value>2025-07-28</arg_value>\n</tool_call>"
)
GLM45_THINK_PARALLEL = (
    "<think>The user asks about two cities, so I will call get_weather twice.</think>\n"
    "I'll check both cities.\n"
    "<tool_call>get_weather\n<arg_key>city</arg_key>\n<arg_value>Beijing</arg_value>\n"
    "<arg_key>days</arg_key>\n<arg_value>3</arg_value>\n</tool_call>\n"
    "<tool_call>get_weather\n<arg_key>city</arg_key>\n<arg_value>Shanghai</arg_value>\n"
    "<arg_key>days</arg_key>\n<arg_value>3</arg_value>\n</tool_call>"
)
GLM45_TYPED = (
    "<tool_call>search_web\n<arg_key>query</arg_key>\n<arg_value>vLLM glm4_moe tool parser</arg_value>\n"
    "<arg_key>options</arg_key>\n"
    '<arg_value>{"max_results": 5, "lang": ["en", "zh"], "safe": true}</arg_value>\n'
    "</tool_call>"
)
GLM47_PARALLEL = (
    "<tool_call>read_file<arg_key>path</arg_key><arg_value>src/app.py</arg_value>"
    "<arg_key>limit</arg_key><arg_value>200</arg_value></tool_call>"
    "<tool_call>list_files</tool_call>"
)

SAMPLE_COMPLETIONS: list[str] = [GLM45_SINGLE, GLM45_THINK_PARALLEL, GLM45_TYPED, GLM47_PARALLEL]
