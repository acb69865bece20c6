"""A job's summary: mean reward, pass@k, errors by kind, time per phase — and its table.

As Harbor's job stats (``harbor/metrics/mean.py``, ``harbor/utils/pass_at_k.py``): the mean counts a trial
without a reward as 0; pass@k is the unbiased estimator ``1 - C(n-c, k) / C(n, k)`` averaged over tasks,
over trials with a reward only, given only when every reward is 0 or 1, for k = 1, 2, 4, 8, ... and
5, 10, 15, ... up to the fewest trials any task had.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

PHASES = ("build", "start", "agent", "verify", "cleanup", "total")


def pass_at_k_for_task(n: int, c: int, k: int) -> float:
    if n - c < k:
        return 1.0
    product = 1.0
    for i in range(k):
        product *= (n - c - i) / (n - i)
    return 1.0 - product


def eligible_k(most: int) -> list[int]:
    values = {1} if most >= 1 else set()
    k = 2
    while k <= most:
        values.add(k)
        k *= 2
    values.update(range(5, most + 1, 5))
    return sorted(values)


def pass_at_k(trials: list[dict[str, Any]]) -> dict[int, float]:
    successes: dict[str, list[int]] = defaultdict(list)
    for trial in trials:
        reward = trial.get("reward")
        if reward is None:
            continue
        if reward not in (0, 1):
            return {}
        successes[trial["task"]].append(int(reward))
    if not successes:
        return {}
    most = min(len(s) for s in successes.values())
    return {
        k: sum(pass_at_k_for_task(len(s), sum(s), k) for s in successes.values()) / len(successes)
        for k in eligible_k(most)
    }


def summarise(trials: list[dict[str, Any]]) -> dict[str, Any]:
    errors = Counter(t["error"]["kind"] for t in trials if t.get("error"))
    rewards = [t["reward"] if t.get("reward") is not None else 0.0 for t in trials]
    seconds = {
        phase: round(sum(values) / len(values), 3)
        for phase in PHASES
        if (values := [t["seconds"][phase] for t in trials if phase in (t.get("seconds") or {})])
    }
    return {
        "trials": len(trials),
        "tasks": len({t["task"] for t in trials}),
        "errors": sum(errors.values()),
        "mean_reward": round(sum(rewards) / len(rewards), 6) if rewards else None,
        "pass_at_k": {str(k): round(v, 6) for k, v in pass_at_k(trials).items()},
        "errors_by_kind": dict(sorted(errors.items())),
        "seconds": seconds,
    }


def table(trials: list[dict[str, Any]], summary: dict[str, Any]) -> str:
    """Per task: trials, mean reward, errors; then the totals, pass@k, errors by kind, phase times."""
    by_task: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for trial in trials:
        by_task[trial["task"]].append(trial)
    width = max([len("task"), *map(len, by_task)])
    lines = [f"{'task':<{width}}  trials  reward  errors"]
    for name in sorted(by_task):
        group = by_task[name]
        mean = sum(t.get("reward") or 0.0 for t in group) / len(group)
        kinds = ", ".join(sorted({t["error"]["kind"] for t in group if t.get("error")})) or "-"
        lines.append(f"{name:<{width}}  {len(group):>6}  {mean:>6.3f}  {kinds}")
    mean = summary["mean_reward"]
    lines.append("")
    lines.append(
        f"{summary['trials']} trials of {summary['tasks']} tasks, {summary['errors']} errored; "
        f"mean reward {'-' if mean is None else f'{mean:.3f}'}"
    )
    if summary["pass_at_k"]:
        lines.append("pass@k: " + ", ".join(f"pass@{k} {v:.3f}" for k, v in summary["pass_at_k"].items()))
    if summary["errors_by_kind"]:
        lines.append("errors: " + ", ".join(f"{k} {v}" for k, v in summary["errors_by_kind"].items()))
    if summary["seconds"]:
        lines.append("mean seconds: " + ", ".join(f"{k} {v:.2f}" for k, v in summary["seconds"].items()))
    return "\n".join(lines)
