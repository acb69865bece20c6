"""hermes-env-gsm8k: the GSM8K environment, its ``python`` tool and the ``gsm8k`` toolset.

The module stays light: the environment (atroposlib) is registered lazily, and the tool's handler
and its argument model are imported on first use.
"""

from __future__ import annotations

from hermes_core import Tool, Toolset, hookimpl

__version__ = "0.1.0"

PYTHON_TOOL = Tool(
    name="python",
    description=(
        "Run a Python 3 program in this task's sandbox and get what it prints (stdout and stderr) and its "
        "exit code. Each call is a fresh interpreter: print() the values you need."
    ),
    handler="hermes_env_gsm8k.python_tool:run_python",
    parameters="hermes_env_gsm8k.python_tool:PythonArgs",
    toolset="gsm8k",
)


@hookimpl
def register_tools(register):
    register(PYTHON_TOOL)


@hookimpl
def register_toolsets(register):
    register(Toolset(name="gsm8k", tools=("python",), description="A Python interpreter for arithmetic."))


@hookimpl
def register_environments(register):
    register(
        "hermes_env_gsm8k.environment:GSM8K",
        name="gsm8k",
        description="GSM8K math word problems with a sandboxed Python tool; reward by math-verify.",
    )
