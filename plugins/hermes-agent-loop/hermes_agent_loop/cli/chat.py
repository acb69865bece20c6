"""``hermes chat``: a conversation with the agent in the terminal, or over a pipe.

In a terminal: prompt_toolkit input (history in ``$HERMES_HOME/chat_history``, Esc+Enter or a trailing
``\\`` for a new line), each tool call and result printed compactly as it happens, a spinner while the
model thinks, the answer as markdown. Ctrl-C cancels the current turn only: the turn's asyncio task is
cancelled and the task's sandbox cleaned up, which kills a running terminal command; the conversation
stays as it was before that turn. Without a TTY each stdin line is a prompt and each answer is printed
to stdout (tool activity to stderr), so ``hermes chat < prompts.txt`` works in scripts.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import click

from hermes_agent_loop.cli.interrupts import on_sigint
from hermes_agent_loop.cli.run import _protect_from_signals, reasoning_parser_option, unread_tool_calls_hint
from hermes_agent_loop.cli.settings import RunSettings, split_list
from hermes_core import config as cfg
from hermes_core.registry import HermesError

PROMPT = "> "
COMMANDS = {
    "/tools": "tools offered to the model (and unavailable ones with why)",
    "/toolsets": "list toolsets; '/toolsets a,b' offers those instead",
    "/model": "show the model; '/model NAME' switches",
    "/reset": "start a new conversation (and a fresh sandbox)",
    "/save": "append the conversation to a ShareGPT JSONL file ('/save PATH')",
    "/help": "this list",
    "/exit": "leave (also /quit, Ctrl-D)",
}


def _clip(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


class ChatSession:
    """One conversation: the messages so far, the tools offered, and the commands that change them."""

    def __init__(self, settings: RunSettings, console: Any, *, rich_output: bool, out=None) -> None:
        self.settings = settings
        self.console = console  # tool activity, spinner, notices
        self.rich_output = rich_output
        self.out = out or sys.stdout  # answers (stdout even when activity goes to stderr)
        self.task_id = f"chat-{uuid.uuid4().hex[:12]}"
        self.messages: list[dict[str, Any]] = self._fresh()
        self._client: Any = None
        self._status: Any = None
        self._hinted = False  # the tool-call-markup hint is shown once a session
        self._error_shown = False  # the loop's error event was printed: the result's error is the same
        settings.tool_names()  # an unknown toolset or a cycle: a one-line error before the session starts
        self._prepare_sandbox()

    # -- state ------------------------------------------------------------------------------------

    def _fresh(self) -> list[dict[str, Any]]:
        return [{"role": "system", "content": self.settings.system}] if self.settings.system else []

    def _prepare_sandbox(self) -> None:
        """A local terminal works in the directory chat was started from, as a user expects."""
        from hermes_core.sandboxes import TaskOverrides, sandbox_table, selected_backend_name

        if selected_backend_name() == "local" and not cfg.get_value("terminal.cwd"):
            sandbox_table().set_overrides(self.task_id, TaskOverrides(cwd=str(Path.cwd())))

    def tool_names(self) -> list[str]:
        return self.settings.tool_names()

    def tool_schemas(self) -> list[dict[str, Any]] | None:
        return self.settings.tools()

    def client(self) -> Any:
        if self._client is None:
            self._client = self.settings.client()
        return self._client

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()
        await asyncio.to_thread(self._cleanup_sandbox)

    def _cleanup_sandbox(self) -> None:
        from hermes_core.sandboxes import cleanup_task

        try:
            cleanup_task(self.task_id)
        except Exception as exc:
            self.notice(f"warning: cleaning up the sandbox: {exc}", "yellow")
        self._prepare_sandbox()  # cleanup forgets the overrides; the next command needs them again

    # -- output -----------------------------------------------------------------------------------

    def notice(self, text: str, style: str = "dim") -> None:
        from rich.text import Text

        self.console.print(Text(cfg.mask_secrets(text), style=style))

    def answer(self, text: str) -> None:
        text = cfg.mask_secrets(text)
        if self.rich_output:
            from rich.markdown import Markdown

            self.console.print(Markdown(text))
        else:
            self.out.write(text + "\n")
            self.out.flush()

    def on_event(self, event: Any) -> None:
        """Show each step as it happens (called by the agent loop, synchronously)."""
        from rich.text import Text

        data = event.data
        if event.kind == "assistant":
            if data.get("tool_calls") and (data.get("content") or "").strip():
                self.console.print(Text(_clip(cfg.mask_secrets(data["content"]), 300), style="italic dim"))
        elif event.kind == "tool_call":
            args = data.get("arguments")
            args = args if isinstance(args, str) else json.dumps(args, ensure_ascii=False)
            self.console.print(
                Text.assemble(("→ ", "cyan"), (str(data.get("name")), "bold cyan"), " ", _masked_clip(args))
            )
            self._spin(f"running {data.get('name')}...")
        elif event.kind == "tool_result":
            style = "red" if data.get("error") else "dim"
            seconds = data.get("seconds")
            took = f"  ({seconds:.1f}s)" if isinstance(seconds, int | float) else ""
            line = _masked_clip(str(data.get("result", "")))
            self.console.print(Text.assemble(("← ", style), (line, style), (took, "dim")))
            self._spin("thinking...")
        elif event.kind == "retry":
            self.notice(f"retry {data.get('attempt')}: {data.get('error')}", "yellow")
        elif event.kind == "error":
            self._error_shown = True
            self.notice(f"error: {data.get('error')}", "bold red")

    def _spin(self, text: str) -> None:
        if self._status is not None:
            self._status.update(text)

    # -- a turn -----------------------------------------------------------------------------------

    async def turn(self, text: str) -> None:
        """Send ``text``; on Ctrl-C (SIGINT) cancel just this turn and kill what it was running."""
        loop = self.settings.loop(self.client(), self.tool_schemas(), self.task_id, on_event=self.on_event)
        messages = [*self.messages, {"role": "user", "content": text}]
        task = asyncio.ensure_future(loop.run(messages))
        hits: list[bool] = []
        self._error_shown = False

        def interrupt() -> None:
            hits.append(True)
            task.cancel()

        restore = on_sigint(interrupt)
        if self.rich_output and self.console.is_terminal:
            self._status = self.console.status("thinking...", spinner="dots")
            self._status.start()
        try:
            result = await task
        except asyncio.CancelledError:
            if not hits:
                raise  # cancelled from outside, not by Ctrl-C
            self._stop_spinner()
            self.notice("interrupted; the conversation is as it was before this message", "yellow")
            await asyncio.to_thread(self._cleanup_sandbox)  # kills a command still running
            return
        finally:
            self._stop_spinner()
            restore()
        self.messages = result.messages
        if result.final_response:
            self.answer(result.final_response)
            self._hint_unread_calls(result.final_response)
        if result.error and not self._error_shown:
            self.notice(f"error: {result.error}", "bold red")
        elif not result.final_response:
            self.notice(f"no answer after {result.turns_used} turns ({result.stop_reason})", "yellow")

    def _hint_unread_calls(self, answer: str) -> None:
        """Tool calls written as text with no ``--tool-call-parser``: say once which parser reads them."""
        if self.settings.tool_call_parser or self._hinted:
            return
        hint = unread_tool_calls_hint(answer, self.tool_schemas())
        if hint:
            self._hinted = True
            self.notice(hint, "yellow")

    def _stop_spinner(self) -> None:
        if self._status is not None:
            self._status.stop()
            self._status = None

    # -- slash commands ---------------------------------------------------------------------------

    async def handle(self, line: str) -> bool:
        """Run one input line (a prompt or a command); ``False`` means leave."""
        line = line.strip()
        if not line:
            return True
        if not line.startswith("/"):
            await self.turn(line)
            return True
        name, _, arg = line.partition(" ")
        arg = arg.strip()
        if name in ("/exit", "/quit"):
            return False
        handler = {
            "/tools": self.cmd_tools,
            "/toolsets": self.cmd_toolsets,
            "/model": self.cmd_model,
            "/reset": self.cmd_reset,
            "/save": self.cmd_save,
            "/help": self.cmd_help,
        }.get(name)
        if handler is None:
            self.notice(f"unknown command {name}; try /help", "red")
            return True
        try:
            result = handler(arg)
            if asyncio.iscoroutine(result):
                await result
        except HermesError as exc:
            self.notice(f"error: {exc}", "red")
        return True

    def cmd_help(self, _arg: str) -> None:
        for name, text in COMMANDS.items():
            self.console.print(f"[bold]{name:<10}[/bold] {text}")

    def cmd_tools(self, _arg: str) -> None:
        from hermes_core.plugins import get_hermes

        host = get_hermes()
        names = self.tool_names()
        if not names:
            self.notice("no tools offered (toolsets: none)")
        for name in names:
            if name not in host.tools:
                self.console.print(f"  [red]✗[/red] {name:<18} no plugin provides it")
                continue
            tool = host.tools.get(name)
            reason = tool.unavailable_reason()
            if reason:
                self.console.print(f"  [red]✗[/red] {name:<18} unavailable: {_clip(reason, 100)}")
            else:
                self.console.print(f"  [green]✓[/green] {name:<18} {_clip(tool.description, 80)}")

    def cmd_toolsets(self, arg: str) -> None:
        from hermes_core.plugins import get_hermes

        if arg:
            previous, self.settings.toolsets = self.settings.toolsets, split_list(arg)
            try:
                self.settings.tool_names()  # an unknown toolset or a cycle: refused, the old ones kept
            except HermesError:
                self.settings.toolsets = previous
                raise
            chosen = self.settings.toolsets
            self.notice(f"toolsets: {', '.join(chosen)} ({len(self.tool_names())} tools)", "green")
            return
        host = get_hermes()
        for entry in host.toolsets.entries():
            mark = "[green]●[/green]" if entry.name in self.settings.toolsets else " "
            try:
                tools = ", ".join(host.toolsets.resolve(entry.name)) or "-"
            except HermesError as exc:
                tools = f"[red]{exc}[/red]"
            self.console.print(f"  {mark} {entry.name:<14} {tools}")

    def cmd_model(self, arg: str) -> None:
        if arg:
            self.settings.model = arg
        self.notice(f"model: {self.settings.model} at {self.settings.base_url}", "green" if arg else "dim")

    async def cmd_reset(self, _arg: str) -> None:
        self.messages = self._fresh()
        await asyncio.to_thread(self._cleanup_sandbox)
        self.notice("new conversation", "green")

    def cmd_save(self, arg: str) -> None:
        from hermes_agent_loop.trajectory import append_jsonl, to_sharegpt

        if not any(m.get("role") == "user" for m in self.messages):
            raise HermesError("nothing to save yet")
        if arg:
            path = Path(arg).expanduser()
        else:
            path = cfg.hermes_home() / "trajectories" / f"chat-{time.strftime('%Y%m%d-%H%M%S')}.jsonl"
        path.parent.mkdir(parents=True, exist_ok=True)
        record = {**to_sharegpt(self.messages, tools=self.tool_schemas()), "model": self.settings.model}
        append_jsonl(path, record)  # masks secrets
        self.notice(f"saved {len(record['conversations'])} turns to {path}", "green")


def _masked_clip(text: str) -> str:
    return _clip(cfg.mask_secrets(text))


# -- the two front ends ---------------------------------------------------------------------------------


def _run_tty(session: ChatSession) -> None:
    from hermes_agent_loop.cli.chat_prompt import prompt_session

    prompt = prompt_session(session)
    session.console.print(
        f"[bold]hermes chat[/bold] · {session.settings.model} · {len(session.tool_names())} tools · "
        "/help for commands, Ctrl-C interrupts a turn, Ctrl-D leaves"
    )
    with asyncio.Runner() as runner:
        try:
            while True:
                try:
                    line = runner.run(prompt.prompt_async(PROMPT))
                except KeyboardInterrupt:  # Ctrl-C at the prompt clears the line
                    continue
                except EOFError:
                    break
                if not runner.run(session.handle(line)):
                    break
        finally:
            runner.run(session.close())


def _run_pipe(session: ChatSession, stream) -> None:
    with asyncio.Runner() as runner:
        try:
            for line in stream:
                if not runner.run(session.handle(line)):
                    break
        finally:
            runner.run(session.close())


@click.command()
@click.option("--model", "-m", help="Model name (else HERMES_MODEL, else model.name).")
@click.option("--base-url", help="OpenAI-compatible endpoint (else OPENAI_BASE_URL, else model.base_url).")
@click.option("--api-key", help="API key (else OPENAI_API_KEY / .env; local servers need none).")
@click.option("--toolsets", "-t", help="Comma-separated toolsets (else toolsets in config); 'none' for none.")
@click.option("--tool-call-parser", help="Parse tool calls from the reply text client-side.")
@reasoning_parser_option
@click.option("--max-turns", type=click.IntRange(1), help="Model calls per message (else agent.max_turns).")
@click.option("--system", help="System prompt (else agent.system_prompt).")
@click.option(
    "--plain", is_flag=True, help="No interactive UI even in a terminal: one prompt per stdin line."
)
def chat(plain: bool, **flags: Any) -> None:
    """Talk with the agent; tool calls and results are shown as they happen.

    In the session, /help lists the commands (/tools, /model, /reset, /save PATH, /exit). Without a
    terminal (or with --plain) each stdin line is one message.

    \b
    Examples:
      hermes chat --base-url http://localhost:8000/v1 -m Qwen/Qwen3-8B -t terminal
      hermes chat -t none --system "Answer in one sentence."
      hermes chat --tool-call-parser qwen3_coder --reasoning-parser qwen3   # a server that parses neither
      echo "list the files here" | hermes chat --plain -t terminal
    """
    from rich.console import Console

    settings = RunSettings.from_flags(**flags)
    _protect_from_signals()  # a closed terminal (SIGHUP) or SIGTERM leaves no sandbox behind
    interactive = not plain and sys.stdin.isatty()
    console = (
        Console(highlight=False) if interactive else Console(stderr=True, highlight=False, soft_wrap=True)
    )
    session = ChatSession(settings, console, rich_output=interactive)
    if interactive:
        _run_tty(session)
        return
    if sys.stdin.isatty():  # --plain in a terminal: say what it waits for instead of waiting in silence
        console.print("hermes chat --plain: one message per line; Ctrl-D leaves, /help lists the commands")
    _run_pipe(session, sys.stdin)
