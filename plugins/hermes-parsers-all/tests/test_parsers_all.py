"""``hermes-parsers-all`` pulls in every parser family of this repository, so ``auto`` knows them all."""

from __future__ import annotations

import tomllib
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent


def test_depends_on_every_parser_distribution():
    project = tomllib.loads((HERE / "pyproject.toml").read_text())["project"]
    names = {dep.split(">")[0].split("<")[0].strip() for dep in project["dependencies"]}
    families = {
        tomllib.loads(path.read_text())["project"]["name"]
        for path in HERE.parent.glob("hermes-parser-*/pyproject.toml")
    }
    assert families, "no parser distributions found next to this one"
    assert families | {"hermes-parsers"} == names
