"""GSM8K scoring: boxed extraction after <think>, math-verify equality, normalised fall-back."""

from __future__ import annotations

import threading

import pytest
from hermes_env_gsm8k.scoring import gold_answer, last_boxed, normalise, score_answer, strip_think


def test_gold_answer_takes_the_text_after_the_marks_without_commas():
    assert gold_answer("She makes 9 * 2 = $18.\n#### 18") == "18"
    assert gold_answer("...\n#### 1,080") == "1080"
    assert gold_answer("#### -3") == "-3"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<think>maybe \\boxed{7}</think>So \\boxed{18}.", "So \\boxed{18}."),
        ("reasoning the template opened</think>\\boxed{5}", "\\boxed{5}"),
        ("<think>ran out of tokens \\boxed{3}", ""),
        ("no thinking at all", "no thinking at all"),
    ],
)
def test_strip_think(text, expected):
    assert strip_think(text) == expected


def test_last_boxed_handles_nesting_and_picks_the_last():
    assert last_boxed("\\boxed{1} then \\boxed{\\frac{3}{4}}") == "\\frac{3}{4}"
    assert last_boxed("\\fbox{12}") == "12"
    assert last_boxed("no box") is None
    assert last_boxed("\\boxed{unclosed") is None


@pytest.mark.parametrize(
    ("response", "gold", "reward"),
    [
        ("The answer is \\boxed{18}.", "18", 1.0),
        ("\\boxed{18.0}", "18", 1.0),
        ("\\boxed{\\$1,080}", "1080", 1.0),
        ("\\boxed{18 \\text{ dollars}}", "18", 1.0),
        ("\\boxed{\\frac{1}{2}}", "0.5", 1.0),
        ("<think>\\boxed{18}</think>The answer is \\boxed{19}", "18", 0.0),
        ("<think>it is \\boxed{18}</think>I am not sure.", "18", 0.0),
        ("18", "18", 0.0),  # no boxed answer, no reward
        ("\\boxed{}", "18", 0.0),
        (None, "18", 0.0),
        ("\\boxed{-3}", "-3", 1.0),
    ],
)
def test_score_answer(response, gold, reward):
    assert score_answer(response, gold) == reward


def test_normalised_string_compare_is_the_fall_back(monkeypatch):
    import hermes_env_gsm8k.scoring as scoring

    def broken(*args, **kwargs):
        raise RuntimeError("math-verify unavailable")

    monkeypatch.setattr(scoring, "_verify", broken)
    assert score_answer("\\boxed{\\$1,080.}", "1080") == 1.0
    assert score_answer("\\boxed{1081}", "1080") == 0.0
    assert normalise("\\text{72}") == "72" and normalise("7.50") == "7.5"


@pytest.mark.parametrize(
    ("response", "gold", "reward"),
    [
        ("\\boxed{1,8}", "18", 0.0),
        ("\\boxed{2, 5}", "25", 0.0),
        ("\\boxed{18, 20}", "1820", 0.0),
        ("\\boxed{1,0000}", "10000", 0.0),
        ("\\boxed{1,000}", "1000", 1.0),
        ("\\boxed{1,000,000}", "1000000", 1.0),
        ("\\boxed{\\$12,500.}", "12500", 1.0),
    ],
)
def test_only_thousands_separators_are_dropped(response, gold, reward):
    assert score_answer(response, gold) == reward


def test_only_thousands_separators_are_dropped_by_the_fall_back(monkeypatch):
    import hermes_env_gsm8k.scoring as scoring

    def broken(*args, **kwargs):
        raise RuntimeError("math-verify unavailable")

    monkeypatch.setattr(scoring, "_verify", broken)
    assert score_answer("\\boxed{1,8}", "18") == 0.0
    assert score_answer("\\boxed{18, 20}", "1820") == 0.0
    assert score_answer("\\boxed{1,000}", "1000") == 1.0
    assert normalise("1,234,567") == "1234567"
    assert normalise("2, 5") == "2,5"


def test_scoring_works_off_the_main_thread():
    # math-verify's own timeouts use signal.alarm, which only the main thread may call
    results = []
    worker = threading.Thread(target=lambda: results.append(score_answer("\\boxed{42}", "42")))
    worker.start()
    worker.join()
    assert results == [1.0]
