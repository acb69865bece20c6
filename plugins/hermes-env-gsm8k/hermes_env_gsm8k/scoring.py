"""GSM8K scoring: the last ``\\boxed{}`` of the answer, after ``<think>`` blocks are removed.

``math-verify`` decides equality (``18``, ``18.0``, ``\\$18`` and ``18 \\text{ dollars}`` all match
``18``); a normalised string compare catches what it cannot parse.
"""

from __future__ import annotations

import re
import threading

_THINK = re.compile(r"<think>.*?</think>", re.DOTALL)
_BOXED = re.compile(r"\\(?:boxed|fbox)\s*\{")


def strip_think(text: str) -> str:
    """``text`` without reasoning: closed ``<think>`` blocks go; an unclosed one leaves no answer."""
    text = _THINK.sub("", text or "")
    if "</think>" in text:  # the template opened the block in the prompt: keep what follows it
        text = text.rsplit("</think>", 1)[1]
    if "<think>" in text:  # still thinking when it stopped
        text = text.split("<think>", 1)[0]
    return text


def last_boxed(text: str) -> str | None:
    """The content of the last ``\\boxed{...}`` (nested braces allowed), or ``None``."""
    matches = list(_BOXED.finditer(text or ""))
    for match in reversed(matches):
        depth, start = 1, match.end()
        for index in range(start, len(text)):
            char = text[index]
            if char == "{":
                depth += 1
            elif char == "}":
                depth -= 1
                if depth == 0:
                    return text[start:index].strip()
    return None


def gold_answer(answer: str) -> str:
    """The reference number of a GSM8K ``answer`` field: the text after ``####``, commas removed."""
    return answer.rsplit("####", 1)[-1].strip().replace(",", "")


_TEXT_WRAPPER = re.compile(r"\\(?:text|mathrm|textbf)\{([^{}]*)\}")
# a comma between digits with exactly three digits after it (1,000 and 1,000,000, not 1,8 or 18, 20)
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")


def normalise(value: str) -> str:
    value = _TEXT_WRAPPER.sub(r"\1", value)
    value = _THOUSANDS.sub("", value)
    for junk in ("\\$", "$", "\\%", "%", "\\!", "\\ ", " "):
        value = value.replace(junk, "")
    value = value.strip().rstrip(".").lower()
    try:
        number = float(value)
    except ValueError:
        return value
    return str(int(number)) if number.is_integer() else repr(number)


def _verify(gold: str, predicted: str) -> bool:
    from math_verify import parse, verify

    # math-verify's timeouts use signal.alarm, which only the main thread may use
    main = threading.current_thread() is threading.main_thread()
    parse_timeout = 5 if main else None
    gold_parsed = parse(gold, parsing_timeout=parse_timeout)
    predicted_parsed = parse(f"\\boxed{{{predicted}}}", parsing_timeout=parse_timeout)
    if not gold_parsed or not predicted_parsed:
        return False
    return bool(verify(gold_parsed, predicted_parsed, timeout_seconds=5 if main else None))


def score_answer(response: str | None, gold: str) -> float:
    """1.0 when the final boxed answer of ``response`` equals ``gold``, else 0.0."""
    predicted = last_boxed(strip_think(response or ""))
    if predicted is None or not predicted:
        return 0.0
    if normalise(predicted) == normalise(gold):  # what the fall-back would decide, without math-verify's CPU
        return 1.0
    try:
        if _verify(gold, predicted):
            return 1.0
    except Exception:  # math-verify on odd input: the string compare still decides
        pass
    return 0.0
