"""The plugin as the host sees it: entry point, tools, toolsets, and a light import."""

from __future__ import annotations

import json
import subprocess
import sys

from hermes_core.plugins import Hermes


def test_loading_the_plugin_imports_no_heavy_library():
    code = (
        "import sys, hermes_tools_web\n"
        "from hermes_core.plugins import Hermes\n"
        "host = Hermes(); record = host.register(hermes_tools_web, name='web')\n"
        "assert record.status == 'ok', record.error\n"
        "host.tools.get('web_extract').unavailable_reason()\n"
        "heavy = ('httpx', 'httpcore', 'trafilatura', 'lxml', 'markdownify', 'firecrawl', 'ddgs')\n"
        "print([m for m in heavy if m in sys.modules])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stderr


def test_installed_entry_point_provides_tools_toolsets_and_providers():
    host = Hermes.from_entry_points()
    record = host.records["hermes-tools-web"]
    assert record.status == "ok", record.error
    assert record.provides == {
        "tools": ["web_extract", "web_search"],
        "toolsets": ["search", "web"],
        "web_search_providers": ["ddgs", "firecrawl", "searxng"],
        "settings": [
            f"web.{name}"
            for name in ("max_bytes", "max_chars", "max_concurrency", "max_redirects", "timeout")
        ],
    }
    assert host.toolsets.resolve("web") == ["web_search", "web_extract"]
    assert host.toolsets.resolve("search") == ["web_search"]
    for composite in ("default", "research"):
        assert {"web_search", "web_extract"} <= set(host.toolsets.resolve(composite))


def test_schemas_are_what_a_model_needs(host):
    extract = host.tools.get("web_extract").openai_schema()["function"]
    assert extract["parameters"]["required"] == ["urls"]
    assert extract["parameters"]["properties"]["urls"]["type"] == "array"
    search = host.tools.get("web_search").openai_schema()["function"]
    assert search["parameters"]["required"] == ["query"]
    assert search["parameters"]["properties"]["limit"]["default"] == 5
    json.dumps([extract, search])


def test_web_extract_needs_no_configuration(host):
    assert host.tools.get("web_extract").unavailable_reason() is None
