"""Every form a known secret takes on its way out of a sandbox, found in one linear scan.

A command gets a key past an exact-string search by encoding it (``base64``, ``xxd -p``, ``rev``,
``tr a-z A-Z``, ``urlencode``), by splitting it over lines (``fold -w 10``, ``base64`` wrapping at 76
columns), or simply by printing so much that the output limit cuts the key. So each secret is expanded
once per secret set (:func:`secret_matcher` is cached) into its variants:

- as written, JSON-escaped once and twice, reversed, in any letter case;
- hex (either case), ``%XX`` for every byte, URL-quoted (``quote`` / ``quote_plus``);
- base64 and base64url at each of the 3 byte alignments (the characters that depend on the secret alone,
  so the key is found inside ``base64 < .env`` whatever precedes it).

The text is searched with its line breaks removed (``\\n``, ``\\r`` and their JSON escapes) and, for
the any-case forms, with its ASCII letters lowered; each variant is one ``str.find`` pass (C's fast
search, which skips ahead on a mismatch): linear in the text for a given set of secrets, and measured
faster than one trie-shaped regular expression over all variants (``benchmarks/secrets_mask.py``).
A fragment of at least :data:`MIN_FRAGMENT` characters of a variant at the end of the text (a prefix)
or at its start or right after a truncation note (a suffix) is what an output limit left of a secret,
and is masked too. A key-like secret (letters and digits, no spaces or slashes) is also masked by any
prefix of 12 of its characters, in any of its forms, anywhere in the text: what ``cut -c1-30 .env`` or
``head -c`` leaves of each line (a path or URL would mask too much ordinary output that way).
"""

from __future__ import annotations

import base64
import functools
import json
import re
from bisect import bisect_right
from collections.abc import Callable, Iterable
from urllib.parse import quote, quote_plus

MIN_FRAGMENT = 12
"""Shortest piece of a cut secret that is still masked (shorter pieces would hit ordinary text)."""
_MIN_VARIANT = 8
_BREAKS = re.compile(r"\r\n?|\n|\\[rn]")
_CUT_NOTE = re.compile(r"characters cut from the start\]")
_URLSAFE = str.maketrans("+/", "-_")
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _base64_cores(data: bytes) -> set[str]:
    """The base64 characters that depend on ``data`` alone, for each alignment of its first byte.

    With ``k`` bytes before it, the first ``ceil(8k/6)`` characters also hold bits of those bytes and
    the last partial character bits of what follows, so both are left out.
    """
    cores = set()
    for k in range(3):
        encoded = base64.b64encode(b"\0" * k + data).decode()
        core = encoded[(8 * k + 5) // 6 : (8 * (len(data) + k)) // 6]
        cores |= {core, core.translate(_URLSAFE)}
    return cores


def variants(secret: str) -> tuple[set[str], set[str]]:
    """``(exact, any_case)``: the forms of ``secret`` matched as they are, and those matched in any
    letter case (given in lower case). Line breaks are removed from each, as they are from the text."""
    escaped = {json.dumps(secret, ensure_ascii=ascii_only)[1:-1] for ascii_only in (False, True)}
    written = {secret, *escaped, *(json.dumps(once)[1:-1] for once in escaped)}
    data = secret.encode()
    any_case = {form for w in written for form in (w, w[::-1])}
    any_case |= {data.hex(), "".join(f"%{b:02x}" for b in data), quote(secret, safe=""), quote_plus(secret)}
    exact = _base64_cores(data)

    def usable(forms: Iterable[str]) -> set[str]:
        return {f for f in (_BREAKS.sub("", form) for form in forms) if len(f) >= _MIN_VARIANT}

    return usable(exact), {_fold(f) for f in usable(any_case)}


def _fold(text: str) -> str:
    """ASCII letters in lower case, nothing else changed: positions stay aligned with ``text``."""
    return text.lower() if text.isascii() else text.translate(_ASCII_LOWER)


class SecretMatcher:
    """Finds every variant of a fixed set of secrets in a text, in time linear in the text.

    Built once per secret set (:func:`secret_matcher`); ``windows`` indexes every 12-character piece of
    every variant, so a cut secret at a boundary costs one look-up per position, whatever its length.
    """

    def __init__(self, secrets: Iterable[str]) -> None:
        self.exact: dict[str, str] = {}
        self.any_case: dict[str, str] = {}
        for secret in sorted(secrets):
            exact, any_case = variants(secret)
            for form in exact:
                self.exact.setdefault(form, secret)
            for form in any_case:
                self.any_case.setdefault(form, secret)
        self.longest = max(map(len, [*self.exact, *self.any_case]), default=0)
        # key-like secrets: each variant is searched by its head, so a prefix cut anywhere is found
        self.heads = {
            form: _head_length(form, secret)
            for table in (self.exact, self.any_case)
            for form, secret in table.items()
            if _key_like(secret) and _head_length(form, secret) < len(form)
        }
        # every 12-character window of every variant: a cut secret is found by its first 12 characters,
        # then checked whole (memory: about 12 characters per character of the variants)
        self.windows: dict[str, list[tuple[str, int, str]]] = {}
        for table, tag in ((self.exact, "e:"), (self.any_case, "i:")):
            for form, secret in table.items():
                for offset in range(len(form) - MIN_FRAGMENT + 1):
                    window = tag + form[offset : offset + MIN_FRAGMENT]
                    self.windows.setdefault(window, []).append((form, offset, secret))

    def _candidates(self, joined: str, folded: str, at: int):
        """``(haystack, form, offset, secret)`` for each variant with a window equal to the text at ``at``."""
        for tag, haystack in (("e:", joined), ("i:", folded)):
            for form, offset, secret in self.windows.get(tag + haystack[at : at + MIN_FRAGMENT], ()):
                yield haystack, form, offset, secret

    def spans(self, text: str) -> list[tuple[int, int, str]]:
        """``(start, end, secret)`` for every variant or cut fragment of a secret in ``text``."""
        if not self.longest or not text:
            return []
        joined, where = _without_breaks(text)
        folded = _fold(joined)
        found = []
        for table, haystack in ((self.exact, joined), (self.any_case, folded)):
            for form, secret in table.items():
                head = self.heads.get(form, len(form))
                needle = form[:head]
                at = haystack.find(needle)
                while at != -1:
                    end = at + _common_prefix(haystack, at, form, head)
                    found.append((at, end, secret))
                    at = haystack.find(needle, end)
        size = len(joined)
        found += self._cut_at_end(joined, folded)
        for start in [0, *(m.end() for m in _CUT_NOTE.finditer(joined))]:
            kept = [
                (len(form) - offset, secret)
                for haystack, form, offset, secret in self._candidates(joined, folded, start)
                if haystack.startswith(form[offset:], start)
            ]
            if kept:
                length, secret = max(kept)
                found.append((start, min(size, start + length), secret))
        return [(where(a), where(b - 1) + 1, secret) for a, b, secret in found]

    def _cut_at_end(self, joined: str, folded: str) -> list[tuple[int, int, str]]:
        """The longest prefix (12 characters or more) of a variant that ends the text."""
        size = len(joined)
        for start in range(max(0, size - self.longest), size - MIN_FRAGMENT + 1):
            for haystack, form, offset, secret in self._candidates(joined, folded, start):
                if offset == 0 and haystack.endswith(form[: size - start]):
                    return [(start, size, secret)]
        return []

    def replace(self, text: str, shown: Callable[[str], str]) -> str:
        """``text`` with each span found replaced by ``shown(secret)``; overlapping spans merge."""
        spans = sorted(self.spans(text))
        if not spans:
            return text
        out, done = [], 0
        for start, end, secret in spans:
            if end <= done:
                continue
            if start < done:  # overlaps the span just replaced: extend it
                done = end
                continue
            out += [text[done:start], shown(secret)]
            done = end
        out.append(text[done:])
        return "".join(out)


def _key_like(secret: str) -> bool:
    """Whether a prefix of ``secret`` found anywhere is a cut secret and not ordinary text: a key or
    token has letters and digits and no spaces or slashes (a path or URL in ``.env`` shares its
    beginning with too much ordinary output to be masked by its prefix)."""
    return (
        not any(c.isspace() or c == "/" for c in secret)
        and any(c.isdigit() for c in secret)
        and any(c.isalpha() for c in secret)
    )


def _head_length(form: str, secret: str) -> int:
    """Characters of ``form`` that encode :data:`MIN_FRAGMENT` characters of ``secret`` (hex takes
    two per character, ``%XX`` three, base64 four per three)."""
    return max(MIN_FRAGMENT, -(-MIN_FRAGMENT * len(form) // len(secret)))


def _common_prefix(haystack: str, at: int, form: str, known: int) -> int:
    """How many characters of ``form`` the text has at ``at`` (at least ``known``): binary search over
    ``startswith``, each step in C."""
    if haystack.startswith(form, at):
        return len(form)
    low, high = known, len(form) - 1  # low matches, high + 1 does not
    while low < high:
        middle = (low + high + 1) // 2
        if haystack.startswith(form[:middle], at):
            low = middle
        else:
            high = middle - 1
    return low


def _without_breaks(text: str) -> tuple[str, Callable[[int], int]]:
    """``text`` without line breaks, and the map from a position in it back to one in ``text``."""
    cuts = [(m.start(), m.end()) for m in _BREAKS.finditer(text)]
    if not cuts:
        return text, lambda j: j
    pieces, thresholds, removed, last = [], [], [0], 0
    for start, end in cuts:
        pieces.append(text[last:start])
        thresholds.append(start - removed[-1])  # the position in the joined text where the cut was
        removed.append(removed[-1] + end - start)
        last = end
    pieces.append(text[last:])
    return "".join(pieces), lambda j: j + removed[bisect_right(thresholds, j)]


@functools.lru_cache(maxsize=16)
def secret_matcher(secrets: frozenset[str]) -> SecretMatcher:
    """The matcher for one set of secrets, built once (callers pass the same set for every text)."""
    return SecretMatcher(secrets)


__all__ = ["MIN_FRAGMENT", "SecretMatcher", "secret_matcher", "variants"]
