"""256 concurrent streaming clients through the proxy: no errors, and the calls direct parsing gives."""

from __future__ import annotations

import asyncio
import json

import openai
from serve_kit import WEATHER_TOOLS, accumulate, answer

from hermes_core.plugins import get_hermes

CLIENTS = 256


def completion_text(n: int) -> str:
    """Distinct per client: prose, then one or two calls, sometimes a plain answer."""
    if n % 7 == 0:
        return f"No tool needed: it is {n} degrees."
    calls = [{"name": "get_weather", "arguments": {"city": f"City-{n}", "days": n % 5}}]
    if n % 3 == 0:
        calls.append({"name": "get_weather", "arguments": {"city": f"Ville-{n}-é"}})
    body = "\n".join(f"<tool_call>\n{json.dumps(c, ensure_ascii=False)}\n</tool_call>" for c in calls)
    return f"Client {n}: checking.\n{body}"


def test_256_concurrent_streams_match_direct_parsing(serve, upstream):
    upstream.keep_requests = False

    def respond(body):
        n = int(body["messages"][0]["content"])
        return answer(completion_text(n), chunk=2 + n % 9)

    upstream.responder = respond
    server = serve()

    async def one(api: openai.AsyncOpenAI, n: int) -> dict:
        messages = [{"role": "user", "content": str(n)}]
        stream = await api.chat.completions.create(
            model="m", messages=messages, tools=WEATHER_TOOLS, stream=True
        )
        return accumulate([chunk async for chunk in stream])

    async def run_all():
        async with openai.AsyncOpenAI(
            base_url=server.url + "/v1", api_key="x", max_retries=0, timeout=120
        ) as api:
            return await asyncio.gather(*(one(api, n) for n in range(CLIENTS)), return_exceptions=True)

    results = asyncio.run(run_all())
    errors = [r for r in results if isinstance(r, BaseException)]
    assert errors == []
    parser = get_hermes().parser("hermes")
    for n, got in enumerate(results):
        direct = parser.parse(completion_text(n), tools=WEATHER_TOOLS)
        want = [(c.function.name, json.loads(c.function.arguments)) for c in direct.tool_calls]
        assert (got["calls"], got["content"]) == (want, direct.content), n
        assert got["finish"] == ("tool_calls" if want else "stop")
    assert sum(1 for r in results if r["calls"]) == CLIENTS - len(range(0, CLIENTS, 7))
    assert upstream.open_streams == 0 and upstream.cut_streams == 0
