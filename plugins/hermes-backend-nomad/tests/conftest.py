"""A scripted Nomad agent per test (see ``scripted_nomad.py``)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from scripted_nomad import NOMAD_TOKEN, ScriptedNomad


@pytest.fixture
def nomad():
    with ScriptedNomad(token=NOMAD_TOKEN) as agent:
        yield agent


@pytest.fixture
def nomad_options(nomad, monkeypatch):
    for key in ("NOMAD_ADDR", "NOMAD_TOKEN", "NOMAD_NAMESPACE"):
        monkeypatch.delenv(key, raising=False)
    return {"address": nomad.address, "token": NOMAD_TOKEN, "image": "local/python:test", "slots": 2}
