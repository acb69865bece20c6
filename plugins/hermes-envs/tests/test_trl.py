"""The TRL adapter: the schema TRL reads from each tool method (transformers' ``get_json_schema``, what
GRPOTrainer uses) and, where TRL installs, one real ``GRPOTrainer`` step whose tool loop runs the tool in the
episode's sandbox and whose reward function scores the episode."""

from __future__ import annotations

import json
import os

import pytest

pytest.importorskip("hermes_env_gsm8k", reason="hermes-env-gsm8k provides the environment")
pytest.importorskip("hermes_tools_terminal.local", reason="hermes-tools-terminal provides the local backend")

from hermes_envs.trl import ROW_COLUMN, dataset, environment_factory, reward

pytestmark = pytest.mark.usefixtures("env_local_backend")


def test_each_tool_is_a_method_whose_schema_matches_the_tool():
    get_json_schema = pytest.importorskip("transformers.utils").get_json_schema
    from hermes_core.plugins import get_hermes

    factory = environment_factory("gsm8k")
    environment = factory()  # TRL calls the factory with no argument
    schema = get_json_schema(environment.python)["function"]
    tool = get_hermes().tools.get("python").openai_schema()["function"]
    assert schema["name"] == "python" and schema["description"] == tool["description"]
    assert schema["parameters"]["required"] == ["code"]
    assert schema["parameters"]["properties"]["code"] == {
        "type": "string",
        "description": tool["parameters"]["properties"]["code"]["description"],
    }
    assert schema["parameters"]["properties"]["timeout"]["type"] == "integer"
    public = {n for n in dir(factory) if not n.startswith("_") and callable(getattr(factory, n))}
    assert public == {"reset", "python"}  # TRL treats every other public method as a tool


def test_dataset_rows_carry_the_prompt_and_the_task():
    rows = dataset("gsm8k", "test")
    assert len(rows) == 1319
    assert [m["role"] for m in rows[0]["prompt"]] == ["system", "user"]
    assert json.loads(rows[0][ROW_COLUMN]) == {"question": rows[0]["prompt"][1]["content"], "gold": "18"}


def test_a_tool_call_before_reset_is_an_error_result():
    environment = environment_factory("gsm8k")()
    import asyncio

    assert "reset" in json.loads(asyncio.run(environment.python(code="print(1)")))["error"]


def test_one_grpo_step_runs_tools_in_the_sandbox_and_scores_the_episode(tmp_path, env_tokenizer_dir):
    pytest.importorskip("trl", reason="TRL is optional: pip install torch==2.13.0 trl")
    torch = pytest.importorskip("torch")
    os.environ["TRL_EXPERIMENTAL_SILENCE"] = "1"
    from datasets import Dataset
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM
    from trl import GRPOConfig, GRPOTrainer
    from trl.chat_template_utils import qwen2_5_chat_template

    tokenizer = AutoTokenizer.from_pretrained(env_tokenizer_dir)
    tokenizer.padding_side = "left"
    tokenizer.chat_template = qwen2_5_chat_template  # a template TRL knows how to parse tool calls from
    end = tokenizer.convert_tokens_to_ids("<|im_end|>")
    arguments = {"code": "import os; print(16 - 3 - 4, os.getcwd())"}
    call = f"<tool_call>\n{json.dumps({'name': 'python', 'arguments': arguments})}\n</tool_call>"

    class ScriptedModel(LlamaForCausalLM):
        """A tiny model whose generate() plays the policy: call the tool, then answer (right, then wrong)."""

        def generate(self, input_ids=None, attention_mask=None, **_):
            outputs = []
            for index, (row, mask) in enumerate(zip(input_ids, attention_mask, strict=True)):
                prompt = tokenizer.decode(row[mask.bool()], skip_special_tokens=False)
                text = f"\\boxed{{{18 + index}}}" if "<tool_response>" in prompt else call
                ids = tokenizer.encode(text, add_special_tokens=False) + [end]
                outputs.append(torch.cat([row, torch.tensor(ids, dtype=row.dtype)]))
            width = max(len(o) for o in outputs)
            pad = tokenizer.pad_token_id
            return torch.stack([torch.cat([o, o.new_full((width - len(o),), pad)]) for o in outputs])

    config = LlamaConfig(
        vocab_size=len(tokenizer), hidden_size=16, intermediate_size=32, num_hidden_layers=1,
        num_attention_heads=2, num_key_value_heads=2, max_position_embeddings=4096,
        pad_token_id=tokenizer.pad_token_id, eos_token_id=end,
    )  # fmt: skip
    seen = []

    async def hermes(environments, completions, **kwargs):
        values = await reward(environments=environments, completions=completions, **kwargs)
        seen.append((completions, values))
        return values

    args = GRPOConfig(
        output_dir=str(tmp_path), per_device_train_batch_size=2, num_generations=2, max_completion_length=512,
        max_steps=1, report_to=[], use_cpu=True, logging_steps=1, save_strategy="no",
    )  # fmt: skip
    trainer = GRPOTrainer(
        model=ScriptedModel(config),
        processing_class=tokenizer,
        reward_funcs=hermes,
        args=args,
        train_dataset=Dataset.from_list(dataset("gsm8k", "test")[:1] * 2),
        environment_factory=environment_factory("gsm8k"),
    )
    trainer.train()
    ((completions, values),) = seen
    assert sorted(values) == [0.0, 1.0]
    for completion in completions:
        assert [m["role"] for m in completion] == ["assistant", "tool", "assistant"]
        printed, cwd = json.loads(completion[1]["content"])["output"].split()
        assert printed == "9" and "hermes-" in cwd  # really run, in a sandbox
    logged = trainer.state.log_history[0]
    assert logged["tools/call_frequency"] == 1.0 and logged["tools/failure_frequency"] == 0.0
