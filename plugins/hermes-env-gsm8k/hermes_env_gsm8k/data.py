"""The GSM8K splits: shipped with the package (no network), or from the hub when asked."""

from __future__ import annotations

import gzip
import json
from importlib import resources
from typing import Any

SPLITS = ("train", "test")
HUB_DATASET = "openai/gsm8k"


def load_split(split: str, source: str = "package") -> list[dict[str, Any]]:
    """Rows ``{"question", "answer"}`` of ``split``; ``source`` is ``package``, ``hub`` or a directory
    holding ``<split>.jsonl`` / ``<split>.jsonl.gz``."""
    if split not in SPLITS:
        raise ValueError(f"unknown GSM8K split {split!r}; choose from {', '.join(SPLITS)}")
    if source == "hub":
        from datasets import load_dataset

        return [
            {"question": r["question"], "answer": r["answer"]}
            for r in load_dataset(HUB_DATASET, "main", split=split)
        ]
    if source == "package":
        with resources.files("hermes_env_gsm8k").joinpath(f"data/{split}.jsonl.gz").open("rb") as raw:
            return _read_jsonl(gzip.open(raw, "rt", encoding="utf-8"))
    from pathlib import Path

    base = Path(source)
    for candidate in (base / f"{split}.jsonl", base / f"{split}.jsonl.gz"):
        if candidate.exists():
            opener = gzip.open if candidate.suffix == ".gz" else open
            with opener(candidate, "rt", encoding="utf-8") as handle:
                return _read_jsonl(handle)
    raise FileNotFoundError(f"no {split}.jsonl(.gz) in {base}")


def _read_jsonl(handle: Any) -> list[dict[str, Any]]:
    with handle:
        return [json.loads(line) for line in handle if line.strip()]
