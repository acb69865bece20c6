"""``hermes env``: listing without importing atroposlib, and ``run`` handing over to atroposlib's CLI."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from hermes_core.cli import cli, main

pytest.importorskip("hermes_env_gsm8k", reason="hermes-env-gsm8k provides an environment to list")


def hermes(*args: str, timeout: int = 120) -> subprocess.CompletedProcess:
    code = "import sys; from hermes_core.cli import main; main(sys.argv[1:])"
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=timeout, check=False
    )


def test_env_list_shows_installed_environments():
    result = CliRunner().invoke(cli, ["env", "list"])
    assert result.exit_code == 0, result.output
    line = next(x for x in result.output.splitlines() if x.startswith("gsm8k "))
    assert "math-verify" in line and "[hermes-env-gsm8k]" in line
    rows = json.loads(CliRunner().invoke(cli, ["env", "list", "--json"]).output)
    assert {"name": "gsm8k", "plugin": "hermes-env-gsm8k"}.items() <= next(
        r for r in rows if r["name"] == "gsm8k"
    ).items()


def test_env_run_unknown_name_is_one_line(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["env", "run", "nope", "process"])
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert "unknown environment 'nope'" in err and "gsm8k" in err


def test_env_run_rejects_an_unknown_or_missing_mode():
    result = CliRunner().invoke(cli, ["env", "run", "gsm8k", "train"])
    assert result.exit_code == 2 and "process, serve, evaluate, not 'train'" in result.output
    assert CliRunner().invoke(cli, ["env", "run", "gsm8k"]).exit_code == 2


def test_env_run_help_is_hermes_help():
    result = CliRunner().invoke(cli, ["env", "run", "--help"])
    assert result.exit_code == 0 and "process --help" in result.output


def test_env_run_passes_flags_to_atroposlib():
    result = hermes("env", "run", "gsm8k", "process", "--help")
    assert result.returncode == 0, result.stderr
    for flag in ("--env.group_size", "--env.enabled_toolsets", "--env.max_agent_turns", "--openai.base_url"):
        assert flag in result.stdout


def test_list_flags_are_joined_for_atroposlib():
    from hermes_envs.cli import join_list_flags, load_env_class

    env_class = load_env_class("gsm8k")
    args = ["--env.enabled_toolsets", "gsm8k", "terminal", "--env.group_size", "4", "--env.disabled_toolsets"]
    assert join_list_flags(env_class, args) == [
        "--env.enabled_toolsets",
        "gsm8k,terminal",
        "--env.group_size",
        "4",
        "--env.disabled_toolsets",
    ]


def test_config_accepts_the_command_line_string_forms():
    from hermes_envs.base import HermesAgentEnvConfig

    config = HermesAgentEnvConfig(enabled_toolsets="terminal, file", extra_body='{"top_p": 0.9}')
    assert config.enabled_toolsets == ["terminal", "file"] and config.extra_body == {"top_p": 0.9}
    with pytest.raises(ValueError, match="JSON object"):
        HermesAgentEnvConfig(extra_body="[1, 2]")


def test_env_commands_import_no_training_framework():
    """``hermes env --help`` and listing stay quick: no transformers, torch or trainer import (and so no
    "PyTorch was not found" line)."""
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from hermes_core.cli import cli\n"
        "for args in (['--help'], ['list'], ['serve', '--help'], ['run', '--help']):\n"
        "    assert CliRunner().invoke(cli, ['env', *args]).exit_code == 0, args\n"
        "heavy = ('atroposlib', 'transformers', 'torch', 'trl', 'openenv', 'verifiers', 'datasets')\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & set(heavy)))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.strip() == "[]"
    assert "PyTorch" not in done.stderr


def test_env_serve_settings_are_checked_before_serving(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["env", "serve", "gsm8k", "--env.bogus", "1", "--env.data_source=/nowhere"])
    assert exit_info.value.code == 1
    assert "bad settings: bogus: Extra inputs are not permitted" in capsys.readouterr().err
    result = CliRunner().invoke(cli, ["env", "serve", "gsm8k", "stray"])
    assert result.exit_code == 2 and "--env.KEY VALUE" in result.output


def test_a_tokenizer_out_of_reach_fails_at_once_naming_the_flag():
    """Offline, atroposlib would retry the hub for about a minute; hermes says what to pass instead."""
    import os

    code = "import sys; from hermes_core.cli import main; main(sys.argv[1:])"
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    args = ["env", "run", "gsm8k", "process", "--env.tokenizer_name", "no-org/no-model"]
    done = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=120, env=env, check=False
    )
    assert done.returncode == 1
    assert "tokenizer 'no-org/no-model' is not on this machine" in done.stderr
    # without torch, transformers notes at import that only tokenizers work: its line, not ours
    ours = [line for line in done.stderr.strip().splitlines() if not line.startswith("[transformers]")]
    assert len(ours) == 1 and "--env.tokenizer_name DIR" in ours[0]
