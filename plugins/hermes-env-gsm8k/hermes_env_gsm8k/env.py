"""GSM8K under atroposlib: the contract environment through the atroposlib adapter."""

from __future__ import annotations

from hermes_env_gsm8k.environment import GSM8K
from hermes_envs.atropos import atropos_env

GSM8KEnv = atropos_env(GSM8K)
GSM8KEnvConfig = GSM8KEnv.env_config_cls
