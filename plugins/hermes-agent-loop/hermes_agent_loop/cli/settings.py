"""What one agent run is configured with, resolved once for ``run``, ``batch`` and ``chat`` alike.

Precedence is the same everywhere: flags > environment variables (hermes-agent's names) > ``~/.hermes``
(.env, config.yaml) > defaults, through :func:`hermes_core.config.resolve`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from hermes_core.config_files import config_path
from hermes_core.registry import HermesError

NO_ENDPOINT = (
    "no model endpoint configured: pass --base-url URL, set OPENAI_BASE_URL, "
    "or set model.base_url in {config}"
)
NO_MODEL = "no model named: pass --model NAME, set HERMES_MODEL, or set model.name in {config}"


def split_list(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def _checked_round_trip(value: str | None) -> str | None:
    """A bad ``--reasoning-round-trip`` is a one-line error before any run starts."""
    if value is None:
        return None
    from hermes_agent_loop.reasoning import round_trip_fields

    round_trip_fields(value)
    return value


def _checked_reasoning_parser(name: str | None) -> str | None:
    """An unknown ``--reasoning-parser`` is a one-line error before a run (or a chat) starts, not on its
    first model reply."""
    from hermes_agent_loop.reasoning import reasoning_parser

    reasoning_parser(name)
    return name


def _with_ephemeral(content: Any, ephemeral: str) -> Any:
    """A system message's ``content`` with the ephemeral prompt appended after a blank line."""
    if isinstance(content, list):  # content parts: add a text part
        return [*content, {"type": "text", "text": "\n\n" + ephemeral}]
    text = content if isinstance(content, str) else ("" if content is None else str(content))
    return f"{text}\n\n{ephemeral}" if text.strip() else ephemeral


@dataclass
class RunSettings:
    """Everything one agent run needs, resolved once from flags, environment and config."""

    base_url: str
    api_key: str
    model: str
    toolsets: list[str]
    disabled_toolsets: list[str]
    max_turns: int
    tool_call_parser: str | None
    temperature: float | None
    max_tokens: int | None
    max_context_tokens: int | None
    tool_timeout: float | None
    max_retries: int
    request_timeout: float
    system: str | None
    ephemeral_system_prompt: str | None
    reasoning_round_trip: str | None = None
    """``auto`` (None), ``none``, or reasoning fields to send back (see ``hermes_agent_loop.reasoning``)."""
    reasoning_parser: str | None = None
    """A reasoning parser name: the reply text's thinking becomes ``reasoning_content``."""

    @classmethod
    def from_flags(cls, **flags: Any) -> RunSettings:
        """Flags > environment (``OPENAI_BASE_URL``, ``HERMES_MODEL``, ...) > ~/.hermes > defaults.

        A command passes the flags it has; those it lacks count as not given.
        """
        from hermes_core.config import resolve

        options = defaultdict(lambda: None, flags)

        base_url = resolve("model.base_url", options["base_url"])
        if not base_url:
            raise HermesError(NO_ENDPOINT.format(config=config_path()))
        model = resolve("model.name", options["model"])
        if not model:
            raise HermesError(NO_MODEL.format(config=config_path()))
        return cls(
            base_url=str(base_url),
            api_key=str(resolve("model.api_key", options["api_key"]) or "EMPTY"),
            model=str(model),
            toolsets=split_list(options["toolsets"]) if options["toolsets"] else list(resolve("toolsets")),
            disabled_toolsets=split_list(options["disable_toolsets"]),
            max_turns=int(resolve("agent.max_turns", options["max_turns"])),
            tool_call_parser=resolve("model.tool_call_parser", options["tool_call_parser"]),
            temperature=resolve("model.temperature", options["temperature"]),
            max_tokens=resolve("model.max_tokens", options["max_tokens"]),
            max_context_tokens=resolve("agent.max_context_tokens", options["max_context_tokens"]),
            tool_timeout=resolve("agent.tool_timeout", options["tool_timeout"]),
            max_retries=options["max_retries"] if options["max_retries"] is not None else 3,
            request_timeout=options["request_timeout"] or 600.0,
            system=resolve("agent.system_prompt", options["system"]),
            ephemeral_system_prompt=options["ephemeral_system_prompt"],
            reasoning_round_trip=_checked_round_trip(options["reasoning_round_trip"]),
            reasoning_parser=_checked_reasoning_parser(options["reasoning_parser"]),
        )

    def tool_names(self) -> list[str]:
        """The tools of the chosen toolsets (an unknown toolset or a cycle is a one-line error)."""
        if not self.toolsets or self.toolsets == ["none"]:
            return []
        from hermes_core.plugins import get_hermes

        return get_hermes().toolsets.resolve_many(self.toolsets, self.disabled_toolsets)

    def tools(self) -> list[dict[str, Any]] | None:
        """The ``tools=`` list for the chosen toolsets (only tools whose requirements hold here)."""
        from hermes_core.plugins import get_hermes

        return get_hermes().tools.openai_tools(self.tool_names()) or None

    def client(self) -> Any:
        import openai

        # retries are the agent loop's (with backoff and a recorded reason), not stacked on the SDK's
        return openai.AsyncOpenAI(
            base_url=self.base_url, api_key=self.api_key, max_retries=0, timeout=self.request_timeout
        )

    def loop(self, client: Any, tools: list[dict[str, Any]] | None, task_id: str, on_event=None, hooks=None):
        from hermes_agent_loop import AgentLoop

        return AgentLoop(
            client,
            model=self.model,
            tools=tools,
            max_turns=self.max_turns,
            task_id=task_id,
            temperature=self.temperature,
            max_tokens=self.max_tokens,
            max_context_tokens=self.max_context_tokens,
            tool_call_parser=self.tool_call_parser,
            tool_timeout=self.tool_timeout,
            max_retries=self.max_retries,
            on_event=on_event,
            reasoning_round_trip=self.reasoning_round_trip,
            reasoning_parser=self.reasoning_parser,
            hooks=hooks,
        )

    def messages(self, prompt: str | list[dict[str, Any]], system: str | None = None) -> list[dict[str, Any]]:
        if isinstance(prompt, list):
            messages = [dict(m) for m in prompt]
        else:
            messages = [{"role": "user", "content": prompt}]
        ephemeral = self.ephemeral_system_prompt
        if messages and messages[0].get("role") == "system":
            # the prompt brings its own system message: it wins over --system, but the ephemeral prompt
            # still steers the run (to_sharegpt removes it again when the trajectory is saved)
            if ephemeral:
                messages[0]["content"] = _with_ephemeral(messages[0].get("content"), ephemeral)
            return messages
        parts = [p for p in (system or self.system, ephemeral) if p]
        if parts:
            messages.insert(0, {"role": "system", "content": "\n\n".join(parts)})
        return messages
