"""Does a plugin's declared ``hermes-kernel`` range include this core? Checked for every plugin on every
start, so the common forms (``>=0.1,<0.2``) are compared by hand in microseconds; ``packaging`` (tens of
milliseconds to import) is used only for anything else (pre-releases, wildcards, markers, ``~=``)."""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass
from importlib import metadata

CORE = "hermes-kernel"

_PLAIN_VERSION = re.compile(r"^\d+(\.\d+)*$")
_CLAUSE = re.compile(r"^(>=|<=|==|!=|<|>)\s*(\d+(?:\.\d+)*)$")
_OPS = {
    ">=": operator.ge,
    "<=": operator.le,
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    ">": operator.gt,
}
_REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*\(?([^;()]*)\)?\s*(;.*)?$")


def _release(version: str) -> tuple[int, ...]:
    parts = [int(p) for p in version.split(".")]
    while len(parts) > 1 and parts[-1] == 0:
        parts.pop()
    return tuple(parts)


def _quick_contains(specifier: str, version: str) -> bool | None:
    """``specifier`` (``">=0.1,<0.2"``) contains ``version``; ``None`` when the form needs packaging."""
    if not _PLAIN_VERSION.match(version):
        return None
    have = _release(version)
    for clause in filter(None, (c.strip() for c in specifier.split(","))):
        match = _CLAUSE.match(clause)
        if match is None:
            return None
        if not _OPS[match.group(1)](have, _release(match.group(2))):
            return False
    return True


def excluded_by(requirements: list[str] | None, name: str, version: str) -> str | None:
    """The specifier of the first requirement on ``name`` that excludes ``version``, else ``None``.

    Requirements with an environment marker (``; extra == "x"``) are ignored, as before.
    """
    for requirement in requirements or ():
        if not requirement.lower().replace("_", "-").startswith(name):
            continue
        match = _REQUIREMENT.match(requirement)
        if match is None or match.group(4):
            if match is None:
                return _with_packaging(requirement, name, version)
            continue
        if match.group(1).lower().replace("_", "-").replace(".", "-") != name:
            continue
        specifier = match.group(3).strip()
        if not specifier:
            continue
        contained = _quick_contains(specifier, version)
        if contained is None:
            return _with_packaging(requirement, name, version)
        if not contained:
            return specifier
    return None


def _with_packaging(requirement: str, name: str, version: str) -> str | None:
    from packaging.requirements import Requirement

    req = Requirement(requirement)
    if req.name.lower().replace("_", "-") != name or req.marker is not None:
        return None
    if req.specifier and not req.specifier.contains(version, prereleases=True):
        return str(req.specifier)
    return None


@dataclass
class Dist:
    """What the loader needs of an entry point's distribution, its METADATA parsed once."""

    name: str | None = None
    version: str | None = None
    requires: list[str] | None = None

    @classmethod
    def of(cls, ep: metadata.EntryPoint) -> Dist:
        if ep.dist is None:
            return cls()
        meta = ep.dist.metadata
        return cls(meta["Name"], meta["Version"], meta.get_all("Requires-Dist") or [])


_core_version: list[str | None] = []


def version_of(dist: str) -> str | None:
    if dist == CORE and _core_version:
        return _core_version[0]
    try:
        version = metadata.version(dist)
    except metadata.PackageNotFoundError:
        version = None
    if dist == CORE:
        _core_version.append(version)
    return version


def incompatible_with_core(requires: list[str] | None) -> str | None:
    """The reason a plugin's declared ``hermes-kernel`` range excludes this core, else ``None``."""
    core_version = version_of(CORE) if requires else None
    if core_version is None:
        return None
    specifier = excluded_by(requires, CORE, core_version)
    return f"requires hermes-kernel{specifier}, this is {core_version}" if specifier else None
