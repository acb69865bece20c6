"""Test helpers for environment authors: a tokenizer built locally and a vLLM-style token server.

Both run offline, so an environment can be exercised end to end (atroposlib's ``process`` / ``serve``,
phase 1 and phase 2) without the model hub or a GPU:

- :func:`build_tokenizer` trains a tiny byte-level BPE with ``tokenizers``, wraps it in
  ``PreTrainedTokenizerFast`` with a Hermes-style chat template (tools, ``<tool_call>``,
  ``<tool_response>``) and saves it, so ``--env.tokenizer_name DIR`` works;
- :class:`TokenServer` answers vLLM's native ``POST /generate`` (what atroposlib's ``VLLMServer`` and so
  ``ManagedServer`` call) with real token ids and logprobs, its text chosen by ``complete(prompt)``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

from hermes_testkit.openai_server import ScriptedOpenAIServer

SPECIAL_TOKENS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<tool_call>", "</tool_call>"]

CHAT_TEMPLATE = (
    "{% set start = 0 %}"
    "{% if tools %}<|im_start|>system\n"
    "{% if messages and messages[0].role == 'system' %}"
    "{{ messages[0].content }}\n{% set start = 1 %}{% endif %}"
    "<tools>{% for tool in tools %}{{ tool | tojson }}{% endfor %}</tools><|im_end|>\n"
    "{% endif %}"
    "{% for m in messages[start:] %}"
    "{% if m.role == 'assistant' %}<|im_start|>assistant\n{{ m.content or '' }}"
    "{% for c in m.tool_calls or [] %}"
    '<tool_call>{"name": "{{ c.function.name }}", '
    '"arguments": {{ c.function.arguments | tojson }}}</tool_call>'
    "{% endfor %}<|im_end|>\n"
    "{% elif m.role == 'tool' %}<|im_start|>tool\n<tool_response>{{ m.content }}</tool_response><|im_end|>\n"
    "{% else %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n"
    "{% endif %}"
    "{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


def build_tokenizer(
    directory: str | Path,
    corpus: list[str] | None = None,
    vocab_size: int = 800,
    chat_template: str = CHAT_TEMPLATE,
) -> Path:
    """Train, wrap and save a small tokenizer in ``directory``; ``<tool_call>`` tags are special tokens."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    text = corpus or ['{"name": "python", "arguments": {"code": "print(1 + 2)"}} The answer is \\boxed{42}.']
    tokenizer.train_from_iterator(text * 4, trainer)
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        additional_special_tokens=SPECIAL_TOKENS[3:],
    )
    fast.chat_template = chat_template
    path = Path(directory)
    fast.save_pretrained(str(path))
    return path


class TokenServer(ScriptedOpenAIServer):
    """vLLM's native ``POST /generate`` and ``GET /health`` on 127.0.0.1, beside the scripted chat routes.

    ``complete(prompt_text) -> str`` gets the decoded prompt (special tokens kept) and returns the raw
    completion text; the server answers with its token ids (plus the EOS id, as vLLM does when the model
    stops) and a fixed logprob per token. Every ``/generate`` body is kept in ``requests``.
    """

    def __init__(
        self, tokenizer_path: str | Path, complete: Callable[[str], str], logprob: float = -0.25
    ) -> None:
        from transformers import AutoTokenizer

        super().__init__(model="token-model")
        self.tokenizer = AutoTokenizer.from_pretrained(str(tokenizer_path))
        self.complete = complete
        self.logprob = logprob

    def generate(self, body: dict[str, Any]) -> dict[str, Any]:
        self.requests.append(body)
        prompt = self.tokenizer.decode(body["prompt"]["prompt_token_ids"], skip_special_tokens=False)
        outputs, reasons = [], []
        for _ in range(int(body.get("n") or 1)):
            ids = self.tokenizer.encode(self.complete(prompt), add_special_tokens=False)
            ids.append(self.tokenizer.eos_token_id)
            outputs.append([[{str(token): self.logprob}] for token in ids])
            reasons.append("stop")
        return {"logprobs": outputs, "finish_reasons": reasons}

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        chat_handler = super()._handler_class()
        server = self

        class Handler(chat_handler):
            def do_GET(self) -> None:
                if self.path.rstrip("/") == "/health":
                    self._send_json(200, {})
                else:
                    super().do_GET()

            def do_POST(self) -> None:
                if self.path.rstrip("/") != "/generate":
                    super().do_POST()
                    return
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
                try:
                    self._send_json(200, server.generate(body))
                except Exception as exc:  # a broken script is a 500, as a real server would answer
                    self._send_json(500, {"error": f"{type(exc).__name__}: {exc}"})

        return Handler


def make_env(
    cls: type,
    base_url: str,
    tokenizer_dir: str | Path,
    server_type: str = "openai",
    model_name: str = "scripted",
    **overrides: Any,
) -> Any:
    """An environment of class ``cls`` (a ``HermesAgentBaseEnv`` subclass) pointed at ``base_url``.

    W&B off, messages kept in the groups, ``group_size`` 2 unless ``overrides`` say otherwise; the server
    config is what ``hermes env run`` builds for an OpenAI-compatible (``"openai"``) or vLLM (``"vllm"``)
    endpoint, health checks off so a scripted server needs no ``/health``.
    """
    from atroposlib.envs.server_handling.server_baseline import APIServerConfig

    settings = {"use_wandb": False, "group_size": 2, "include_messages": True, **overrides}
    config = cls.env_config_cls(tokenizer_name=str(tokenizer_dir), **settings)
    api = APIServerConfig(
        model_name=model_name,
        tokenizer_name=str(tokenizer_dir),
        base_url=base_url,
        api_key="x",
        server_type=server_type,
        health_check=False,
    )
    return cls(config, [api])


def collect_group(env: Any) -> tuple[Any, Any, Any]:
    """``setup()``, one item, one group — what atroposlib's loop does per step: ``(item, group, backlog)``."""
    import asyncio

    async def go():
        await env.setup()
        item = await env.get_next_item()
        group, backlog = await env.collect_trajectories(item)
        return item, group, backlog

    return asyncio.run(go())


class EnvironmentConformance:
    """What every registered environment must do; subclass once per environment class.

    Set ``env_name`` (the registered name) and implement ``responder(body)`` — a scripted model for
    :class:`~hermes_testkit.openai_server.ScriptedOpenAIServer` that plays the task. The kit then proves
    the environment is registered lazily (listing it imports no atroposlib), its ``config_init`` works
    offline, and a real group collected through atroposlib has one score, one token list and one mask per
    rollout, with every sandbox of the group cleaned up.
    """

    env_name: str = ""
    group_size: int = 2

    def responder(self, body: dict[str, Any]) -> Any:
        raise NotImplementedError

    def env_class(self) -> type:
        """The atroposlib class ``hermes env run`` uses (a contract environment through its adapter)."""
        from hermes_envs.cli import load_env_class

        return load_env_class(self.env_name)

    def test_registered_without_importing_atroposlib(self):
        import subprocess
        import sys

        code = (
            "import sys; from hermes_core.plugins import get_hermes; "
            f"assert {self.env_name!r} in get_hermes().environments.names(); "
            "print('atroposlib' in sys.modules)"
        )
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == "False"

    def test_config_init_works_offline(self):
        config, servers = self.env_class().config_init()
        assert config.group_size >= 1 and servers

    def test_a_group_is_scored_tokenized_and_cleaned_up(self, env_tokenizer_dir, env_local_backend):
        from hermes_core.sandboxes import sandbox_table

        before = set(sandbox_table().active())
        with ScriptedOpenAIServer() as server:
            server.responder = self.responder
            env = make_env(self.env_class(), server.base_url, env_tokenizer_dir, group_size=self.group_size)
            _, group, _ = collect_group(env)
        assert group is not None, "the scripted rollouts produced no group"
        assert len(group["scores"]) == self.group_size
        assert len(group["tokens"]) == len(group["masks"]) == self.group_size
        for tokens, masks in zip(group["tokens"], group["masks"], strict=True):
            assert len(tokens) == len(masks) and any(m != -100 for m in masks)
        assert set(sandbox_table().active()) <= before
