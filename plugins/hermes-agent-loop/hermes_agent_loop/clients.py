"""Chat clients: anything with ``chat.completions.create`` works; atroposlib servers get an adapter.

atroposlib's ``APIServer`` / ``ServerManager`` expose ``await server.chat_completion(**kwargs)`` returning
an ``openai`` ``ChatCompletion``. :class:`AtroposChatClient` gives them the ``AsyncOpenAI`` shape so the
agent loop has one code path. atroposlib is never imported here (duck typing): environments that do not
train stay free of its ~1 GB of dependencies.
"""

from __future__ import annotations

import inspect
from types import SimpleNamespace
from typing import Any

__all__ = ["AtroposChatClient", "as_chat_client"]


class AtroposChatClient:
    """``client.chat.completions.create(**kw)`` → ``server.chat_completion(**kw)``.

    ``defaults`` are merged under each call's arguments (e.g. ``split="eval"`` for a ``ServerManager``);
    ``send_model=False`` drops ``model`` for servers that fill it from their own config.
    """

    def __init__(self, server: Any, *, send_model: bool = True, **defaults: Any) -> None:
        if not callable(getattr(server, "chat_completion", None)):
            raise TypeError(f"{type(server).__name__} has no chat_completion(); not an atroposlib server")
        self.server = server
        self.send_model = send_model
        self.defaults = defaults
        self.chat = SimpleNamespace(completions=SimpleNamespace(create=self.create))

    async def create(self, **kwargs: Any) -> Any:
        call = {**self.defaults, **kwargs}
        if not self.send_model:
            call.pop("model", None)
        result = self.server.chat_completion(**call)
        if inspect.isawaitable(result):
            result = await result
        return result


def as_chat_client(client: Any) -> Any:
    """``client`` if it already speaks ``chat.completions.create``, else an atroposlib adapter for it."""
    completions = getattr(getattr(client, "chat", None), "completions", None)
    if completions is not None and callable(getattr(completions, "create", None)):
        return client
    if callable(getattr(client, "chat_completion", None)):
        return AtroposChatClient(client)
    raise TypeError(
        f"{type(client).__name__} is not a chat client: expected chat.completions.create "
        "(openai.AsyncOpenAI) or chat_completion (an atroposlib server)"
    )
