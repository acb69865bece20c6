"""The hook this plugin declares for others (pytest's ``addhooks``): web-search providers.

The core knows nothing of web search; this module is registered through ``register_hookspecs``, and the
host then keeps a ``web_search_providers`` registry like its built-in ones (lazy ``"module:attr"``
entries, a name clash naming both plugins).
"""

from __future__ import annotations

from collections.abc import Callable

from hermes_core.hookspecs import hookspec


@hookspec
def register_web_search_providers(register: Callable[..., None]) -> None:
    """Register web-search back ends for the ``web_search`` tool.

    ``register(ProviderClass)`` or ``register("module:ProviderClass", name="searxng")``; see
    ``hermes_tools_web.providers.SearchProvider`` for the contract (``available()``, ``search()``).
    """


register_web_search_providers.kind = "web search provider"
