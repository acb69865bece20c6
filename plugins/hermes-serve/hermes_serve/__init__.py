"""``hermes serve``: an OpenAI-compatible endpoint in front of a model server that has no tool parser.

The proxy forwards chat requests to the upstream, turns tool calls the model wrote as text into real
``tool_calls`` with a hermes parser plugin (streaming as the text arrives), and can record every exchange
as an RL-ready rollout. Importing this package imports nothing heavy; the server lives in
:mod:`hermes_serve.app`.
"""

from __future__ import annotations

__all__: list[str] = []
