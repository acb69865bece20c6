"""Every installed parser through the proxy: the same calls and content as parsing the text directly.

The texts are the parsers' own conformance samples where their test modules are reachable (a source
checkout), the ``samples`` modules parser plugins ship, and a few texts here for formats that ship none.
For each registered parser, every text in which it finds calls is answered by the upstream in small
chunks (every character its own chunk for half of them); the ``openai`` client must see exactly
``parser.parse(text, tools)``, streaming and not.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import json
import sys
from pathlib import Path

import openai
import pytest
from serve_kit import accumulate, answer, message_calls

from hermes_core.plugins import get_hermes

OWN_TEXTS = [
    # hermes / qwen: <tool_call> JSON
    'Checking.\n<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>',
    # qwen3_coder: XML-ish parameters, typed by the schema
    "<tool_call>\n<function=get_weather>\n<parameter=city>\nDallas\n</parameter>\n"
    "<parameter=days>\n3\n</parameter>\n</function>\n</tool_call>",
    # longcat
    '<longcat_tool_call>\n{"name": "get_weather", "arguments": {"location": "北京"}}\n</longcat_tool_call>',
    # mistral, llama3_json
    '[TOOL_CALLS][{"name": "get_weather", "arguments": {"city": "Lyon"}}]',
    '{"name": "get_weather", "parameters": {"city": "Rome"}}',
    # pythonic, llama4_pythonic (a parser whose own test samples are out of reach when installed as a wheel)
    '[get_weather(city="Oslo")]',
]


def conformance_samples(parser_module: str) -> list[tuple[str, list]]:
    """``(text, tools)`` of the ``ParserConformance`` classes next to a parser's package, if reachable."""
    from hermes_testkit.parsers import ParserConformance

    package = importlib.import_module(parser_module.split(".")[0])
    found = []
    for root in {Path(p).resolve().parent for p in getattr(package, "__path__", ())}:
        for path in sorted((root / "tests").glob("test_*.py")):
            name = f"_serve_samples_{abs(hash(str(path)))}"
            try:
                module = sys.modules.get(name)
                if module is None:
                    spec = importlib.util.spec_from_file_location(name, path)
                    module = importlib.util.module_from_spec(spec)
                    spec.loader.exec_module(module)
                    sys.modules[name] = module
            except (Exception, pytest.skip.Exception, pytest.fail.Exception):  # not ours to judge
                continue
            for _, cls in inspect.getmembers(module, inspect.isclass):
                if issubclass(cls, ParserConformance) and cls is not ParserConformance:
                    found.extend((s.text, s.tools) for s in cls.samples)
    return found


def corpus() -> list[tuple[str, list]]:
    texts: list[tuple[str, list]] = [(t, []) for t in OWN_TEXTS]
    modules = set()
    for entry in get_hermes().parsers.entries():
        target = entry.target if isinstance(entry.target, str) else entry.target.__module__
        modules.add(target.split(":")[0])
    for module in sorted(modules):
        try:
            samples = importlib.import_module(module.split(".")[0] + ".samples")
        except ImportError:
            samples = None
        for name, value in vars(samples or object).items():
            if name.isupper() and isinstance(value, str):
                texts.append((value, []))
        texts.extend(conformance_samples(module))
    unique = {}
    for text, tools in texts:
        unique.setdefault((text, json.dumps(tools, sort_keys=True)), (text, tools))
    return list(unique.values())


def tools_for(parsed, tools: list) -> list:
    """The sample's tools, else a schema-less tool per called name (the proxy parses only with tools)."""
    if tools:
        return tools
    names = dict.fromkeys(c.function.name for c in parsed.tool_calls)
    return [{"type": "function", "function": {"name": n, "parameters": {"type": "object"}}} for n in names]


PARSERS = get_hermes().parsers.names()
MAX_CASES = 12


@pytest.mark.parametrize("parser_name", PARSERS)
def test_parser_through_the_proxy_equals_direct_parsing(parser_name, serve, upstream):
    parser = get_hermes().parser(parser_name)
    cases = []
    for text, sample_tools in corpus():
        parsed = parser.parse(text, tools=sample_tools or None)
        if parsed.tool_calls:
            tools = tools_for(parsed, sample_tools)
            cases.append((text, tools, parser.parse(text, tools=tools)))
    assert cases, f"no sample text gives {parser_name!r} a tool call: add one to OWN_TEXTS"
    if len(cases) > MAX_CASES:  # ``auto`` reads every format: a spread of them is enough here
        cases = cases[:: -(-len(cases) // MAX_CASES)]
    server = serve(parser=parser_name)
    api = openai.OpenAI(base_url=server.url + "/v1", api_key="x", max_retries=0)
    messages = [{"role": "user", "content": "go"}]
    for number, (text, tools, expected) in enumerate(cases):
        want = [(c.function.name, json.loads(c.function.arguments)) for c in expected.tool_calls]
        for chunk in (1, 7) if number % 2 == 0 else (3,):
            upstream.responder = lambda body, text=text, chunk=chunk: answer(text, chunk=chunk)
            streamed = accumulate(
                api.chat.completions.create(model="m", messages=messages, tools=tools, stream=True)
            )
            assert (streamed["calls"], streamed["content"]) == (want, expected.content), (chunk, text)
            assert streamed["finish"] == "tool_calls"
        plain = api.chat.completions.create(model="m", messages=messages, tools=tools)
        assert message_calls(plain.choices[0].message) == want, text
        assert plain.choices[0].message.content == expected.content
        assert plain.choices[0].finish_reason == "tool_calls"


def test_the_common_parsers_are_covered():
    """The issue names these; the parametrised test above covers whatever else is installed."""
    assert {"hermes", "qwen3_coder", "mistral", "llama3_json"} <= set(PARSERS)
