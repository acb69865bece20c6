"""The atroposlib side of an environment's settings: ``HermesAgentEnvConfig`` and the inference server.

atroposlib's ``BaseEnvConfig`` plus what the agent loop and its sandboxes need; every field is a
``--env.<field>`` flag of ``hermes env run``.
"""

from __future__ import annotations

import json
import os
from typing import Any, get_args, get_origin

from atroposlib.envs.base import BaseEnvConfig
from atroposlib.envs.server_handling.server_baseline import APIServerConfig
from pydantic import Field, model_validator

DEFAULT_BASE_URL = "http://localhost:9001/v1"
DEFAULT_MODEL = "NousResearch/DeepHermes-3-Llama-3-3B-Preview"


def server_config_from_env(**overrides: Any) -> APIServerConfig:
    """The inference server: ``ATROPOS_SERVER_BASE_URL`` / ``_MODEL`` / ``_API_KEY`` / ``_TYPE`` when set.

    atroposlib's own default (``ServerBaseline``) silently points at ``localhost:9004-9007``; naming the
    server once in the environment is what most users expect.
    """
    values: dict[str, Any] = {
        "base_url": os.environ.get("ATROPOS_SERVER_BASE_URL") or DEFAULT_BASE_URL,
        "model_name": os.environ.get("ATROPOS_SERVER_MODEL") or DEFAULT_MODEL,
        "api_key": os.environ.get("ATROPOS_SERVER_API_KEY") or "x",
        "server_type": os.environ.get("ATROPOS_SERVER_TYPE") or "openai",
    }
    values.update(overrides)
    return APIServerConfig(**values)


class HermesAgentEnvConfig(BaseEnvConfig):
    """atroposlib's env config plus what the agent loop and its sandboxes need."""

    enabled_toolsets: list[str] = Field(
        default_factory=lambda: ["default"], description="Toolsets whose tools the agent may call."
    )
    disabled_toolsets: list[str] = Field(default_factory=list, description="Toolsets removed from those.")
    max_agent_turns: int = Field(default=30, description="Model calls per rollout before it is cut off.")
    system_prompt: str | None = Field(default=None, description="System message before each task's prompt.")
    agent_temperature: float = Field(default=1.0, description="Sampling temperature for rollouts.")
    agent_max_tokens: int | None = Field(
        default=None,
        description="Max tokens per model call (None: the server's default in phase 1, max_token_length in "
        "phase 2, where vLLM's native default would be 16).",
    )
    terminal_backend: str = Field(
        default_factory=lambda: os.environ.get("TERMINAL_ENV") or "local",
        description="Terminal backend for the tasks' sandboxes (exported as TERMINAL_ENV).",
    )
    terminal_timeout: float | None = Field(
        default=None, description="Seconds a sandbox command may run (exported as TERMINAL_TIMEOUT)."
    )
    terminal_lifetime: float | None = Field(
        default=None,
        description="Seconds a sandbox may live (exported as TERMINAL_LIFETIME_SECONDS, hermes-agent's name, "
        "for backends that read it).",
    )
    tool_call_parser: str = Field(
        default="hermes", description="hermes parser plugin that reads tool calls from raw completions."
    )
    extra_body: dict[str, Any] | str | None = Field(
        default=None, description="Extra request fields for the server, as a JSON object."
    )
    max_context_tokens: int | None = Field(
        default=None, description="Truncate old tool output when the conversation grows past this."
    )
    tool_pool_size: int = Field(
        default=128, description="Worker threads for tool calls and sandbox commands across rollouts."
    )
    tool_timeout: float | None = Field(default=None, description="Seconds one tool call may take.")
    use_managed_server: bool | None = Field(
        default=None,
        description="Phase 2 (exact tokens via ManagedServer): None = when the server can give tokens.",
    )
    max_consecutive_failures: int = Field(
        default=10, description="Stop after this many groups in a row fail (a dead server, a bad config)."
    )

    @model_validator(mode="before")
    @classmethod
    def _from_command_line(cls, values: Any) -> Any:
        """atroposlib re-reads ``--env.*`` flags from ``sys.argv`` as single strings: accept
        ``--env.enabled_toolsets terminal,file`` for lists and a JSON object for ``extra_body``."""
        if not isinstance(values, dict):
            return values
        values = dict(values)
        for name, info in cls.model_fields.items():
            value = values.get(name)
            if not isinstance(value, str):
                continue
            if is_list_annotation(info.annotation):
                values[name] = [part.strip() for part in value.split(",") if part.strip()]
            elif name == "extra_body":
                decoded = json.loads(value) if value.strip() else None
                if decoded is not None and not isinstance(decoded, dict):
                    raise ValueError("extra_body must be a JSON object")
                values[name] = decoded
        return values


def is_list_annotation(annotation: Any) -> bool:
    """``list[...]`` or an optional / union that includes one."""
    return get_origin(annotation) is list or any(get_origin(a) is list for a in get_args(annotation))
