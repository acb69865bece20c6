"""The tasks and their scoring; no atroposlib here, so the rules can be tested on their own."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class FileTask:
    prompt: str
    path: str
    expected: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


BUILTIN_TASKS: tuple[FileTask, ...] = (
    FileTask(
        "Create a file named hello.txt containing exactly: Hello, hermes!", "hello.txt", "Hello, hermes!"
    ),
    FileTask(
        "Write the numbers 1 to 5, one per line, into a file named numbers.txt.",
        "numbers.txt",
        "1\n2\n3\n4\n5",
    ),
    FileTask(
        "Create the file notes/todo.md (make the directory too) with the single line: - [ ] train the model",
        "notes/todo.md",
        "- [ ] train the model",
    ),
    FileTask(
        'Create config.json containing the JSON object {"epochs": 3} and nothing else.',
        "config.json",
        '{"epochs": 3}',
    ),
    FileTask(
        "Make a file answer.txt whose content is the product of 12 and 34 (just the number).",
        "answer.txt",
        "408",
    ),
    FileTask(
        "Create a file named shout.txt containing the word quiet in upper case.",
        "shout.txt",
        "QUIET",
    ),
)


def load_tasks(path: str | None = None) -> list[FileTask]:
    """The built-in tasks, or ``{"prompt", "path", "expected"}`` rows from a JSONL file."""
    if not path:
        return list(BUILTIN_TASKS)
    source = Path(path)
    if not source.is_file():
        from hermes_core.registry import HermesError

        raise HermesError(
            f"tasks file not found: put a JSONL of prompt/path/expected rows at {source.resolve()}"
        )
    rows = [json.loads(line) for line in source.read_text().splitlines() if line.strip()]
    return [FileTask(prompt=r["prompt"], path=r["path"], expected=r["expected"]) for r in rows]


def score_content(content: str | None, expected: str) -> float:
    """1.0 exact (trailing whitespace aside, as ``echo`` adds a newline), 0.5 contains, else 0.0."""
    if content is None:
        return 0.0
    if content.rstrip() == expected.rstrip():
        return 1.0
    if expected.strip() and expected.strip() in content:
        return 0.5
    return 0.0
