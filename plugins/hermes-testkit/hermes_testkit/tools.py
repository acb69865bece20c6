"""Conformance suites for tools and toolsets: one subclass per tool or toolset a plugin ships.

::

    from hermes_testkit.tools import ToolConformance, ToolsetConformance

    class TestReadFile(ToolConformance):
        tool_name = "read_file"
        sample_arguments = {"path": "README.md"}      # a call that works here (optional)
        bad_arguments = ({"path": 3},)                 # calls the schema must refuse (optional)

    class TestFileToolset(ToolsetConformance):
        toolset_name = "file"

Checked through the host, as the agent sees them: the tool is registered by a plugin, its OpenAI schema
is one a model endpoint accepts, ``unavailable_reason()`` answers without raising, and every call —
good, malformed or refused — comes back as a JSON string (``{"error": ...}`` on failure), never as an
exception. A toolset resolves without a cycle to tools that are registered. Override :meth:`host` to
check against a host other than the process-wide one.
"""

from __future__ import annotations

import json
import re
from typing import Any, ClassVar

import pytest

_OPENAI_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")


class ToolConformance:
    """Set ``tool_name``; optionally ``sample_arguments`` (a call that works here) and ``bad_arguments``."""

    tool_name: ClassVar[str] = ""
    sample_arguments: ClassVar[dict[str, Any] | None] = None
    bad_arguments: ClassVar[tuple[Any, ...]] = ()

    def host(self) -> Any:
        from hermes_core.plugins import get_hermes

        return get_hermes()

    def tool(self) -> Any:
        host = self.host()
        assert self.tool_name in host.tools, f"{self.tool_name!r} is not a registered tool"
        return host.tools.get(self.tool_name)

    def call(self, arguments: Any) -> Any:
        result = self.host().tools.handle_function_call(self.tool_name, arguments, task_id="conformance")
        assert isinstance(result, str), f"a tool call must answer with a JSON string, got {type(result)}"
        return json.loads(result)

    def test_registered_by_a_plugin(self):
        entry = self.host().tools.entry(self.tool_name)
        assert entry.plugin, "every tool names the plugin that supplied it"

    def test_openai_schema(self):
        schema = self.tool().openai_schema()
        function = schema["function"]
        assert schema["type"] == "function"
        assert function["name"] == self.tool_name and _OPENAI_NAME.match(self.tool_name)
        assert function["description"].strip(), "a model picks tools by their description"
        parameters = function["parameters"]
        assert parameters.get("type") == "object", "OpenAI endpoints require an object schema"
        assert isinstance(parameters.get("properties", {}), dict)
        for required in parameters.get("required", []):
            assert required in parameters.get("properties", {}), f"required {required!r} is not a property"
        json.dumps(schema)  # sent as JSON: must serialise

    def test_availability_answers_without_raising(self):
        reason = self.tool().unavailable_reason()
        assert reason is None or (isinstance(reason, str) and reason.strip())

    @pytest.mark.parametrize("arguments", ["not an object", ["a", "list"], 42])
    def test_malformed_arguments_are_an_error_result(self, arguments):
        assert "error" in self.call(arguments)

    def test_bad_arguments_are_an_error_result(self):
        if not self.bad_arguments:
            pytest.skip("no bad_arguments given")
        for arguments in self.bad_arguments:
            assert "error" in self.call(arguments), f"{arguments!r} should have been refused"

    def test_sample_call_answers_json(self):
        if self.sample_arguments is None:
            pytest.skip("no sample_arguments given")
        reason = self.tool().unavailable_reason()
        if reason:
            pytest.skip(f"{self.tool_name} is unavailable here: {reason}")
        self.call(dict(self.sample_arguments))

    def test_unavailable_tool_is_refused_as_a_result(self, monkeypatch):
        tool = self.tool()
        monkeypatch.setattr(tool, "unavailable_reason", lambda: "switched off by the conformance suite")
        payload = self.call(dict(self.sample_arguments or {}))
        assert "switched off by the conformance suite" in payload.get("error", "")


class ToolsetConformance:
    """Set ``toolset_name``."""

    toolset_name: ClassVar[str] = ""

    def host(self) -> Any:
        from hermes_core.plugins import get_hermes

        return get_hermes()

    def test_registered_with_a_description(self):
        host = self.host()
        assert self.toolset_name in host.toolsets, f"{self.toolset_name!r} is not a registered toolset"
        entry = host.toolsets.entry(self.toolset_name)
        assert entry.plugin
        assert entry.load().description.strip(), "hermes toolsets list shows the description"

    def test_resolves_to_registered_tools_without_a_cycle(self):
        host = self.host()
        resolved = host.toolsets.resolve(self.toolset_name)
        assert len(resolved) == len(set(resolved)), "each tool once"
        missing = [name for name in resolved if name not in host.tools]
        assert not missing, f"{self.toolset_name} names tools no plugin registered: {missing}"

    def test_includes_are_registered_toolsets(self):
        host = self.host()
        toolset = host.toolsets.get(self.toolset_name)
        unknown = [name for name in toolset.includes if name not in host.toolsets]
        assert not unknown, f"required includes that are not registered: {unknown}"


__all__ = ["ToolConformance", "ToolsetConformance"]
