"""The core proves itself with the test kit: its toolsets, its commands, and a tool from a plugin."""

from __future__ import annotations

from typing import Any

import pytest

from hermes_core import Tool, hookimpl
from hermes_core.plugins import Hermes
from hermes_testkit.commands import CommandConformance
from hermes_testkit.tools import ToolConformance, ToolsetConformance


class _CountPlugin:
    @hookimpl
    def register_tools(self, register):
        register(
            Tool(
                name="count",
                description="Count the words of a text.",
                parameters={
                    "type": "object",
                    "properties": {"text": {"type": "string"}},
                    "required": ["text"],
                },
                handler=lambda args, task_id: {"words": len(args["text"].split())},
            )
        )


@pytest.fixture(scope="module")
def _count_host() -> Hermes:
    host = Hermes()
    assert host.register(_CountPlugin(), name="count-plugin").status == "ok"
    return host


class TestAPluginTool(ToolConformance):
    tool_name = "count"
    sample_arguments = {"text": "three little words"}
    bad_arguments = ({}, {"text": 3})

    @pytest.fixture(autouse=True)
    def _use(self, _count_host):
        self._host = _count_host

    def host(self) -> Any:
        return self._host


class TestDefaultToolset(ToolsetConformance):
    toolset_name = "default"


class TestResearchToolset(ToolsetConformance):
    toolset_name = "research"


@pytest.mark.parametrize("name", ["plugins", "tools", "toolsets", "parse", "config", "doctor"])
def test_core_commands_conform(name):
    suite = type(f"Core_{name}", (CommandConformance,), {"command_name": name, "heavy_modules": ("yaml",)})()
    suite.test_listed_with_a_short_help()
    suite.test_help_answers()
    suite.test_a_bad_option_is_a_usage_error()


def test_the_core_help_imports_nothing_heavy():
    suite = type(
        "CoreHelp", (CommandConformance,), {"command_name": "config", "heavy_modules": ("yaml", "pydantic")}
    )()
    suite.test_listing_commands_imports_nothing_heavy()
