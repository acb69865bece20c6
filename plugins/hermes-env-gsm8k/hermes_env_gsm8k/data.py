"""The GSM8K splits: shipped with the package (no network), from a directory, or from the hub when asked.

A split that cannot be found or fetched fails at once with a one-line :class:`DatasetMissing` naming the
place to put it: never a long retry loop against a hub that is not reachable.
"""

from __future__ import annotations

import gzip
import json
from importlib import resources
from typing import Any

from hermes_core.registry import HermesError

SPLITS = ("train", "test")
HUB_DATASET = "openai/gsm8k"


class DatasetMissing(HermesError, FileNotFoundError):
    """A GSM8K split that is not where the settings say (the message says where to put it)."""


def load_split(split: str, source: str = "package") -> list[dict[str, Any]]:
    """Rows ``{"question", "answer"}`` of ``split``; ``source`` is ``package``, ``hub`` or a directory
    holding ``<split>.jsonl`` / ``<split>.jsonl.gz``."""
    if split not in SPLITS:
        raise ValueError(f"unknown GSM8K split {split!r}; choose from {', '.join(SPLITS)}")
    if source == "hub":
        return _from_hub(split)
    if source == "package":
        packaged = resources.files("hermes_env_gsm8k").joinpath(f"data/{split}.jsonl.gz")
        if not packaged.is_file():
            raise DatasetMissing(
                f"GSM8K {split} split missing from the package: put {split}.jsonl.gz at {packaged}"
            )
        with packaged.open("rb") as raw:
            return _read_jsonl(gzip.open(raw, "rt", encoding="utf-8"))
    from pathlib import Path

    base = Path(source)
    for candidate in (base / f"{split}.jsonl", base / f"{split}.jsonl.gz"):
        if candidate.exists():
            opener = gzip.open if candidate.suffix == ".gz" else open
            with opener(candidate, "rt", encoding="utf-8") as handle:
                return _read_jsonl(handle)
    raise DatasetMissing(
        f"GSM8K {split} split not found: put {split}.jsonl or {split}.jsonl.gz (rows with question and "
        f"answer) in {base.resolve()}, or use data_source=package"
    )


def _from_hub(split: str) -> list[dict[str, Any]]:
    """``openai/gsm8k`` from the Hugging Face hub (the ``hub`` extra), failing at once when unreachable."""
    where = "put train.jsonl and test.jsonl in a directory and set data_source to it"
    try:
        from datasets import load_dataset
    except ImportError:
        raise DatasetMissing(
            f"data_source=hub needs: pip install 'hermes-env-gsm8k[hub]'; or {where}"
        ) from None
    try:
        rows = load_dataset(HUB_DATASET, "main", split=split)
    except Exception as exc:  # offline, no such revision, ...: one line, not a traceback
        raise DatasetMissing(
            f"could not fetch {HUB_DATASET} ({type(exc).__name__}: {exc}); {where}"
        ) from None
    return [{"question": r["question"], "answer": r["answer"]} for r in rows]


def _read_jsonl(handle: Any) -> list[dict[str, Any]]:
    with handle:
        return [json.loads(line) for line in handle if line.strip()]
