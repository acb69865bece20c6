"""The splits ship with the package; other sources only when asked."""

from __future__ import annotations

import gzip
import json
from importlib import resources

import pytest
from hermes_env_gsm8k.data import load_split


def test_both_splits_ship_with_the_package():
    train, test = load_split("train"), load_split("test")
    assert (len(train), len(test)) == (7473, 1319)
    assert set(train[0]) == {"question", "answer"} and "####" in test[0]["answer"]
    assert test[0]["question"].startswith("Janet")
    data = resources.files("hermes_env_gsm8k").joinpath("data")
    assert (
        "MIT License" in data.joinpath("LICENSE").read_text()
        and "OpenAI" in data.joinpath("LICENSE").read_text()
    )


def test_directory_source_plain_or_gzipped(tmp_path):
    row = {"question": "1+1?", "answer": "#### 2"}
    (tmp_path / "test.jsonl").write_text(json.dumps(row) + "\n\n")
    with gzip.open(tmp_path / "train.jsonl.gz", "wt") as handle:
        handle.write(json.dumps(row) + "\n")
    assert load_split("test", str(tmp_path)) == [row]
    assert load_split("train", str(tmp_path)) == [row]
    with pytest.raises(FileNotFoundError):
        load_split("test", str(tmp_path / "missing"))


def test_unknown_split():
    with pytest.raises(ValueError, match="unknown GSM8K split"):
        load_split("validation")
