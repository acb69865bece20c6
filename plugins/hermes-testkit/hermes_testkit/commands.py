"""Conformance suite for ``hermes`` sub-commands a plugin adds: one subclass per command.

::

    from hermes_testkit.commands import CommandConformance

    class TestRunCommand(CommandConformance):
        command_name = "run"
        heavy_modules = ("openai", "rich")   # must not be imported just to list or describe commands

Checked through the real ``hermes`` entry point: the command is listed by ``hermes --help`` with a short
help, ``hermes NAME --help`` answers (exit 0, a usage line) and a bad option is a usage error (exit 2),
never a traceback; and, in a fresh interpreter, ``hermes --help`` imports none of ``heavy_modules``
(commands are added lazily with ``cli.add_lazy_command``).
"""

from __future__ import annotations

import subprocess
import sys
from typing import Any, ClassVar

from click.testing import CliRunner


class CommandConformance:
    """Set ``command_name``; optionally ``heavy_modules`` that listing the commands must not import."""

    command_name: ClassVar[str] = ""
    heavy_modules: ClassVar[tuple[str, ...]] = ()

    def invoke(self, *args: str) -> Any:
        from hermes_core.cli import cli

        return CliRunner().invoke(cli, list(args), catch_exceptions=True)

    def test_listed_with_a_short_help(self):
        result = self.invoke("--help")
        assert result.exit_code == 0, result.output
        rows = [line.split(None, 1) for line in result.output.splitlines() if line.startswith("  ")]
        listed = {row[0]: row[1] if len(row) > 1 else "" for row in rows if row}
        assert self.command_name in listed, f"{self.command_name!r} is not listed by hermes --help"
        assert listed[self.command_name].strip(), "a command needs a short help for hermes --help"

    def test_help_answers(self):
        result = self.invoke(self.command_name, "--help")
        assert result.exit_code == 0, result.output
        assert "Usage:" in result.output and self.command_name in result.output

    def test_a_bad_option_is_a_usage_error(self):
        result = self.invoke(self.command_name, "--no-such-option-for-conformance")
        assert result.exit_code == 2, result.output  # click's usage error, not a traceback (exit 1)

    def test_listing_commands_imports_nothing_heavy(self):
        if not self.heavy_modules:
            return
        code = (
            "import sys\nfrom click.testing import CliRunner\nfrom hermes_core.cli import cli\n"
            "CliRunner().invoke(cli, ['--help'])\n"
            f"print([m for m in {self.heavy_modules!r} if m in sys.modules])\n"
        )
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == "[]", f"hermes --help imported {done.stdout.strip()}"


__all__ = ["CommandConformance"]
