"""Cost of masking every encoded form of every known secret in 1 MB of command output (issue 22.1).

    python benchmarks/secrets_mask.py [--secrets 20] [--size 1000000] [--repeat 3]

Three ways over the same texts, best CPU time of ``--repeat`` runs each, measured in
this run:

- ``exact``: the old masking, one ``str.replace`` per secret and JSON form (finds no encoded key);
- ``ours``: :func:`hermes_core.secrets.mask_secrets` (every variant of
  :mod:`hermes_core.secret_forms`, line breaks removed, cut fragments at the boundaries, URL and key-shape
  rules), the matcher built once per secret set as callers use it;
- ``trie``: the alternative we did not keep, one compiled trie-shaped regular expression over all
  variants (the same variants), for the record.

Texts: random printable output with line breaks, base64 of random bytes (the worst case for base64
variants), one repeated letter (defeats ``str.find``'s skip) and the random text with every secret
planted in several encodings. ``ratio`` is ours / exact time; the build time of the matcher is printed
apart. Linear in the size: the ``x2`` line masks the random text doubled.
"""

from __future__ import annotations

import argparse
import base64
import random
import re
import string
import time

from hermes_core.secret_forms import secret_matcher
from hermes_core.secrets import mask, mask_secrets


def trie_pattern(words) -> re.Pattern:
    trie: dict = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def emit(node: dict) -> str:
        branches = [re.escape(c) + emit(child) for c, child in sorted(node.items()) if c]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return emit(trie)


def best(func, text: str, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.process_time()  # CPU time: the machine may be shared
        func(text)
        times.append(time.process_time() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--secrets", type=int, default=20)
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rnd = random.Random(22)
    alphabet = string.ascii_letters + string.digits + "-_"
    secrets = {"".join(rnd.choice(alphabet) for _ in range(rnd.randint(24, 64))) for _ in range(args.secrets)}
    frozen = frozenset(secrets)

    started = time.perf_counter()
    matcher = secret_matcher(frozen)
    build = time.perf_counter() - started
    variants = len(matcher.exact) + len(matcher.any_case)
    print(f"{len(secrets)} secrets, {variants} variants; matcher built once in {build * 1000:.0f} ms")

    started = time.perf_counter()
    trie = re.compile(f"(?i:{trie_pattern(matcher.any_case)})|{trie_pattern(matcher.exact)}")
    print(f"trie regex compiled in {(time.perf_counter() - started) * 1000:.0f} ms")

    printable = string.ascii_letters + string.digits + " /+=.,:" * 3
    random_text = "\n".join("".join(rnd.choice(printable) for _ in range(79)) for _ in range(args.size // 80))
    planted = list(random_text)
    for secret in secrets:
        for form in (
            secret,
            secret[::-1],
            secret.upper(),
            secret.encode().hex(),
            base64.b64encode(b"x" + secret.encode()).decode(),
        ):
            at = rnd.randrange(len(planted))
            planted[at:at] = list(" " + form + " ")
    texts = {
        "random": random_text,
        "base64": base64.b64encode(rnd.randbytes(args.size * 3 // 4)).decode(),
        "one letter": "a" * args.size,
        "planted": "".join(planted),
        "random x2": random_text * 2,
    }

    def exact(text: str) -> str:
        for secret in secrets:
            text = text.replace(secret, mask(secret))
        return text

    def ours(text: str) -> str:
        return mask_secrets(text, known=frozen)

    def regex(text: str) -> None:
        for _ in trie.finditer(text):
            pass

    print(f"{'text':<12}{'MB':>6}{'exact ms':>10}{'ours ms':>10}{'trie ms':>10}{'ratio':>8}  leaked")
    for name, text in texts.items():
        t_exact, t_ours, t_trie = (best(f, text, args.repeat) for f in (exact, ours, regex))
        masked = ours(text)
        leaked = sum(form in masked for s in secrets for form in (s, s[::-1], s.encode().hex()))
        print(
            f"{name:<12}{len(text) / 1e6:>6.2f}{t_exact * 1000:>10.1f}{t_ours * 1000:>10.1f}"
            f"{t_trie * 1000:>10.1f}{t_ours / t_exact:>8.1f}  {leaked}"
        )


if __name__ == "__main__":
    main()
