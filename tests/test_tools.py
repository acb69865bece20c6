"""Tool dispatch always answers with a JSON string; toolsets resolve recursively and name cycles."""

from __future__ import annotations

import asyncio
import json
import sys

import pytest
from pydantic import BaseModel, Field

from hermes_core import Tool, Toolset
from hermes_core.registry import Entry, UnknownName
from hermes_core.tools import ToolRegistry
from hermes_core.toolsets import ToolsetCycle, ToolsetRegistry


class AddArgs(BaseModel):
    a: int
    b: int = Field(default=1, description="second addend")


def registry_with(*tools: Tool) -> ToolRegistry:
    registry = ToolRegistry()
    for tool in tools:
        registry.add(Entry(name=tool.name, target=tool, plugin="test"))
    return registry


def add_tool() -> Tool:
    return Tool(
        name="add", description="add", parameters=AddArgs, handler=lambda args, task_id: args["a"] + args["b"]
    )


def test_pydantic_parameters_validate_fill_defaults_and_give_a_schema():
    registry = registry_with(add_tool())
    assert json.loads(registry.handle_function_call("add", {"a": 2})) == 3
    assert json.loads(registry.handle_function_call("add", '{"a": 2, "b": 5}')) == 7
    error = json.loads(registry.handle_function_call("add", {"a": "two"}))["error"]
    assert error.startswith("invalid arguments for add: a:")
    schema = registry.openai_tools(["add"])[0]
    assert schema["function"]["parameters"]["required"] == ["a"]
    assert schema["function"]["parameters"]["properties"]["b"]["description"] == "second addend"


def test_json_schema_parameters_are_validated():
    tool = Tool(
        name="greet",
        description="greet",
        parameters={
            "type": "object",
            "properties": {"name": {"type": "string"}, "times": {"type": "integer", "minimum": 1}},
            "required": ["name"],
            "additionalProperties": False,
        },
        handler=lambda args, task_id: "hi " * args.get("times", 1) + args["name"],
    )
    registry = registry_with(tool)
    assert json.loads(registry.handle_function_call("greet", {"name": "x"})) == {"output": "hi x"}
    assert "'name' is a required property" in registry.handle_function_call("greet", {})
    assert "times" in json.loads(registry.handle_function_call("greet", {"name": "x", "times": 0}))["error"]
    assert "additional" in registry.handle_function_call("greet", {"name": "x", "extra": 1}).lower()


@pytest.mark.parametrize(
    "args, message",
    [("{not json", "not valid JSON"), ("[1, 2]", "must be a JSON object"), (42, "must be a JSON object")],
)
def test_bad_argument_shapes_are_errors_not_exceptions(args, message):
    result = json.loads(registry_with(add_tool()).handle_function_call("add", args))
    assert message in result["error"]


def test_unknown_tool_lists_the_available_ones():
    result = json.loads(registry_with(add_tool()).handle_function_call("sub", {}))
    assert result == {"error": "unknown tool 'sub'; available: add"}


def test_handler_exception_becomes_an_error_result():
    def explode(args, task_id):
        raise RuntimeError("disk on fire")

    result = json.loads(
        registry_with(Tool(name="x", description="", handler=explode)).handle_function_call("x", {})
    )
    assert result == {"error": "x failed: RuntimeError: disk on fire"}


def test_unavailable_tools_are_listed_with_reason_and_refused(monkeypatch):
    monkeypatch.delenv("HERMES_TEST_KEY", raising=False)
    keyed = Tool(name="keyed", description="", handler=lambda a, t: 1, requires_env=("HERMES_TEST_KEY",))
    packaged = Tool(
        name="packaged", description="", handler=lambda a, t: 1, requires_packages=("no_such_pkg_xyz",)
    )
    checked = Tool(
        name="checked", description="", handler=lambda a, t: 1, check_requirements=lambda: "no GPU"
    )
    crashing = Tool(name="crashing", description="", handler=lambda a, t: 1, check_requirements=lambda: 1 / 0)
    registry = registry_with(keyed, packaged, checked, crashing, add_tool())
    assert registry.unavailable() == {
        "checked": "no GPU",
        "crashing": "requirements check failed: division by zero",
        "keyed": "missing environment variable HERMES_TEST_KEY",
        "packaged": "missing Python package 'no_such_pkg_xyz'",
    }
    assert [t["function"]["name"] for t in registry.openai_tools(["keyed", "add"])] == ["add"]
    assert "unavailable: missing environment variable" in registry.handle_function_call("keyed", {})
    monkeypatch.setenv("HERMES_TEST_KEY", "k")
    assert registry.handle_function_call("keyed", {}) == "1"


def test_stateful_tools_see_their_task_id_and_async_handlers_work():
    state: dict[str, list[int]] = {}

    async def remember(args, task_id):
        await asyncio.sleep(0)
        state.setdefault(task_id, []).append(args["n"])
        return state[task_id]

    registry = registry_with(
        Tool(
            name="remember", description="", handler=remember, parameters={"type": "object", "properties": {}}
        )
    )
    registry.handle_function_call("remember", {"n": 1}, task_id="t1")
    registry.handle_function_call("remember", {"n": 2}, task_id="t2")
    assert json.loads(asyncio.run(registry.ahandle_function_call("remember", {"n": 3}, task_id="t1"))) == [
        1,
        3,
    ]
    assert state == {"t1": [1, 3], "t2": [2]}


def test_async_dispatch_bounds_a_hung_tool():
    import time

    slow = Tool(name="slow", description="", handler=lambda a, t: time.sleep(0.5), timeout=0.05)
    result = json.loads(asyncio.run(registry_with(slow).ahandle_function_call("slow", {})))
    assert result == {"error": "slow timed out after 0.05s"}


def toolsets(*sets: Toolset) -> ToolsetRegistry:
    registry = ToolsetRegistry()
    for toolset in sets:
        registry.add(Entry(name=toolset.name, target=toolset, plugin="test"))
    return registry


def test_toolsets_resolve_recursively_once_each_in_order():
    registry = toolsets(
        Toolset(name="base", tools=["a", "b"]),
        Toolset(name="mid", tools=["c", "a"], includes=["base"]),
        Toolset(name="top", tools=["d"], includes=["mid", "base"], optional_includes=["not_installed"]),
    )
    assert registry.resolve("top") == ["d", "c", "a", "b"]
    assert registry.resolve_many(["top"], disabled=["base"]) == ["d", "c"]


def test_toolset_cycle_is_named():
    registry = toolsets(
        Toolset(name="a", includes=["b"]),
        Toolset(name="b", includes=["c"]),
        Toolset(name="c", includes=["a"]),
    )
    with pytest.raises(ToolsetCycle, match=r"toolset cycle: a -> b -> c -> a"):
        registry.resolve("a")
    with pytest.raises(ToolsetCycle, match=r"b -> c -> a -> b"):
        registry.resolve("b")


def test_unknown_include_names_the_including_toolset():
    registry = toolsets(Toolset(name="a", includes=["ghost"]))
    with pytest.raises(UnknownName, match="toolset 'a' includes unknown toolset 'ghost'"):
        registry.resolve("a")
    with pytest.raises(UnknownName, match="unknown toolset 'nope'; installed: a"):
        registry.resolve("nope")


def test_a_tool_whose_lazy_handler_cannot_load_is_unavailable_not_fatal():
    broken = Tool(name="broken", description="", handler="no_such_pkg_xyz.mod:handler")
    registry = registry_with(broken, add_tool())
    assert registry.unavailable()["broken"].startswith("cannot load the tool: ModuleNotFoundError")
    assert [t["function"]["name"] for t in registry.openai_tools(["broken", "add"])] == ["add"]
    assert "unavailable: cannot load the tool" in registry.handle_function_call("broken", {})


def test_a_handlers_own_timeout_error_is_an_error_result():
    async def flaky(args, task_id):
        raise TimeoutError("socket read timed out")

    registry = registry_with(Tool(name="flaky", description="", handler=flaky))
    result = json.loads(asyncio.run(registry.ahandle_function_call("flaky", {})))
    assert result == {"error": "flaky failed: TimeoutError: socket read timed out"}


def test_with_a_timeout_set_a_handlers_own_timeout_error_is_still_its_failure():
    async def flaky(args, task_id):
        raise TimeoutError("socket read timed out")

    async def slow(args, task_id):
        await asyncio.sleep(5)

    registry = registry_with(
        Tool(name="flaky", description="", handler=flaky, timeout=30),
        Tool(name="slow", description="", handler=slow, timeout=0.05),
    )
    flaky_result = json.loads(asyncio.run(registry.ahandle_function_call("flaky", {})))
    assert flaky_result == {"error": "flaky failed: TimeoutError: socket read timed out"}
    slow_result = json.loads(asyncio.run(registry.ahandle_function_call("slow", {})))
    assert slow_result == {"error": "slow timed out after 0.05s"}


def test_json_schema_validation_works_without_jsonschema(monkeypatch):
    """jsonschema is the optional `validation` extra: without it the common keywords are still checked."""
    monkeypatch.setitem(sys.modules, "jsonschema", None)
    test_json_schema_parameters_are_validated()
    tool = Tool(
        name="pick",
        description="pick",
        parameters={
            "type": "object",
            "properties": {
                "mode": {"enum": ["a", "b"]},
                "tags": {"type": "array", "items": {"type": "string"}},
            },
        },
        handler=lambda args, task_id: args,
    )
    registry = registry_with(tool)
    assert "not one of" in registry.handle_function_call("pick", {"mode": "c"})
    assert "tags.1" in registry.handle_function_call("pick", {"tags": ["x", 2]})
    assert "not of type 'string'" in registry.handle_function_call("pick", {"tags": [True]})
    assert json.loads(registry.handle_function_call("pick", {"mode": "a", "tags": ["x"]})) == {
        "mode": "a",
        "tags": ["x"],
    }


def test_one_dispatch_path_answers_with_a_structured_outcome():
    """Issue 18.1: the core calls the tool and says what happened; no caller parses the result again."""
    import time

    from hermes_core.dispatch import call_tool

    registry = registry_with(
        add_tool(),
        Tool(name="sulk", description="", handler=lambda a, t: {"error": "not today"}),
        Tool(name="slow", description="", handler=lambda a, t: time.sleep(0.5), timeout=0.05),
    )
    ok = registry.call("add", '{"a": 2, "b": 5}')
    assert (ok.kind, ok.ok, ok.content, ok.schema_valid) == ("ok", True, "7", True)
    unknown = registry.call("sub", {})
    assert (
        unknown.unknown
        and not unknown.schema_valid
        and json.loads(unknown.content) == {"error": unknown.error}
    )
    invalid = registry.call("add", {"a": "two"})
    assert (
        invalid.kind == "invalid"
        and not invalid.schema_valid
        and "invalid arguments for add" in invalid.error
    )
    sulk = registry.call("sulk", {})
    assert sulk.kind == "failed" and sulk.error == "not today" and sulk.schema_valid
    slow = asyncio.run(registry.acall("slow", {}))
    assert slow.timed_out and slow.error == "slow timed out after 0.05s"
    limited = asyncio.run(call_tool("add", {"a": 1}, registry=registry, known={"sulk"}))
    assert limited.unknown and limited.error == "unknown tool 'add'; available: sulk"
    own = asyncio.run(
        call_tool(
            "x",
            '{"n": "1"}',
            handler=lambda n, a, t: [n, a],
            schema={"properties": {"n": {"type": "integer"}}},
        )
    )
    assert own.ok and not own.schema_valid and json.loads(own.content) == ["x", {"n": "1"}]
