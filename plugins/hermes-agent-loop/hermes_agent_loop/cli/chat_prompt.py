"""The prompt ``hermes chat`` reads from in a terminal (prompt_toolkit, imported only there)."""

from __future__ import annotations

from typing import Any

from hermes_core import config as cfg


def prompt_session(session: Any) -> Any:
    """Input with history in ``$HERMES_HOME/chat_history``, Esc+Enter or a trailing ``\\`` for a new line,
    and a toolbar naming the model and toolsets."""
    from prompt_toolkit import PromptSession
    from prompt_toolkit.history import FileHistory
    from prompt_toolkit.key_binding import KeyBindings

    bindings = KeyBindings()

    @bindings.add("escape", "enter")
    def _newline(event) -> None:
        event.current_buffer.insert_text("\n")

    @bindings.add("enter")
    def _submit(event) -> None:
        buffer = event.current_buffer
        if buffer.document.text_before_cursor.endswith("\\"):  # trailing backslash continues the line
            buffer.delete_before_cursor(1)
            buffer.insert_text("\n")
        else:
            buffer.validate_and_handle()

    home = cfg.hermes_home()
    home.mkdir(parents=True, exist_ok=True)

    def toolbar() -> str:
        toolsets = ",".join(session.settings.toolsets) or "none"
        return f" {session.settings.model} · toolsets: {toolsets} · Esc+Enter: new line · /help"

    return PromptSession(
        history=FileHistory(str(home / "chat_history")),
        key_bindings=bindings,
        multiline=False,
        bottom_toolbar=toolbar,
    )
