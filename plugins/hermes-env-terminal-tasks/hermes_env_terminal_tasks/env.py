"""Terminal tasks under atroposlib: the contract environment through the atroposlib adapter."""

from __future__ import annotations

from hermes_env_terminal_tasks.environment import TerminalTasks
from hermes_envs.atropos import atropos_env

TerminalTasksEnv = atropos_env(TerminalTasks)
TerminalTasksEnvConfig = TerminalTasksEnv.env_config_cls
