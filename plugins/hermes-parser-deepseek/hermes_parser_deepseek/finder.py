"""Linear-time search for a marker from a moving position."""

from __future__ import annotations


class NextFinder:
    """``text.find(marker, pos)`` for a position that only grows: each stretch of text is searched once.

    Parsers ask "where is the next end tag?" once per start tag; with many start tags and no end tag
    (bait), plain ``find`` scans to the end every time: quadratic. The answer is remembered while it
    still lies ahead, and a miss is remembered for good.
    """

    __slots__ = ("found", "marker", "text")

    def __init__(self, text: str, marker: str) -> None:
        self.text, self.marker, self.found = text, marker, -2

    def __call__(self, pos: int) -> int:
        found = self.found
        if found == -1 or found >= pos:
            return found
        self.found = found = self.text.find(self.marker, pos)
        return found


_WINDOW = 2048


def find_soon(text: str, marker: str, pos: int) -> int:
    """``text.find(marker, pos)``, looking in a short window first.

    CPython's ``str.find`` switches to a search with a per-call setup cost once the haystack is long
    (tens of thousands of characters), so a loop of many finds each given "the rest of the text" is
    several times slower per step on long inputs. Markers are usually close: try the window first.
    """
    found = text.find(marker, pos, pos + _WINDOW)
    return found if found >= 0 else text.find(marker, pos)
