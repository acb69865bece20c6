"""Issue 22.1: a known secret is masked in every common encoding, split over lines, cut by an output
limit, and whatever the name it has in ``.env``; the matcher is built once per secret set."""

from __future__ import annotations

import base64
import codecs
import json
import os
from urllib.parse import quote, quote_plus

import pytest

from hermes_core import secret_forms
from hermes_core.secrets import is_secret_name, mask_secrets, secret_values
from hermes_core.terminal import cap_output

KEY = "azure-0123456789abcdefGHIJKLmnopqrstuvwxyz42"  # 44 characters, a name no old rule knew


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("HERMES_HOME", str(tmp_path))
    for name in [n for n in os.environ if is_secret_name(n)]:
        monkeypatch.delenv(name)
    return tmp_path


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _wrap(text: str, width: int) -> str:
    return "\n".join(text[i : i + width] for i in range(0, len(text), width))


ENCODINGS = {
    "raw": lambda k: f"the key: {k}\n",
    "base64": lambda k: _b64(k.encode()),
    "base64 after 1 byte": lambda k: _b64(b"X" + k.encode() + b"\n"),
    "base64 after 2 bytes": lambda k: _b64(b"XY" + k.encode()),
    "base64 of a whole .env, wrapped": lambda k: _wrap(
        _b64(f"A=1\nAZURE_OPENAI_KEY={k}\nB=2\n".encode()), 76
    ),
    "base64url": lambda k: base64.urlsafe_b64encode(b"ab\xff" + k.encode()).decode(),
    "xxd -p": lambda k: _wrap(k.encode().hex(), 60),
    "hex upper": lambda k: k.encode().hex().upper(),
    "url quoted": lambda k: "q=" + quote(k + "/+ ", safe=""),
    "url quote_plus": lambda k: quote_plus(k),
    "every byte %XX": lambda k: "".join(f"%{b:02X}" for b in k.encode()),
    "rev": lambda k: k[::-1],
    "tr a-z A-Z": lambda k: k.upper(),
    "lower": lambda k: k.lower(),
    "fold -w 10": lambda k: _wrap(k, 10),
    "fold -w 3, CRLF": lambda k: "\r\n".join(k[i : i + 3] for i in range(0, len(k), 3)),
    "inside JSON, folded": lambda k: json.dumps(
        {"out": "\n".join(k[i : i + 7] for i in range(0, len(k), 7))}
    ),
}


def _leaks(masked: str, encoded_key: str) -> list[str]:
    """Pieces of 12 characters of the encoded key still in ``masked`` (line breaks ignored)."""
    flat = masked.replace("\r", "").replace("\n", "").replace("\\n", "").replace("\\r", "")
    core = encoded_key.replace("\r", "").replace("\n", "")
    return [core[i : i + 12] for i in range(0, len(core) - 11, 4) if core[i : i + 12] in flat]


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_every_common_encoding_of_a_dotenv_secret_is_masked(home, encoding):
    (home / ".env").write_text(f"AZURE_OPENAI_KEY={KEY}\n", encoding="utf-8")
    text = ENCODINGS[encoding](KEY)
    masked = mask_secrets(f"before\n{text}\nafter")
    assert masked != f"before\n{text}\nafter"
    for form in (KEY, KEY.upper(), KEY[::-1], KEY.encode().hex(), *secret_forms._base64_cores(KEY.encode())):
        assert not _leaks(masked, form), (encoding, masked)
    assert masked.startswith("before") and masked.endswith("after")  # the rest is left alone


@pytest.mark.parametrize("name", ["AZURE_OPENAI_KEY", "ANTHROPIC_KEY", "SERVICE_CREDENTIALS", "DB_PASSWORD"])
def test_secret_names_in_the_environment(home, monkeypatch, name):
    monkeypatch.setenv(name, KEY)
    assert KEY in secret_values()
    assert KEY not in mask_secrets(f"x {KEY} y")


def test_every_dotenv_value_is_a_secret_but_declared_plain_settings(home):
    (home / ".env").write_text(
        f'SOMETHING_ELSE={KEY}\nHERMES_MODEL=my-model-name-1\nCUSTOM_JSON=\'{{"a": "v4lue-0f-json"}}\'\n',
        encoding="utf-8",
    )
    known = secret_values()
    assert KEY in known and '{"a": "v4lue-0f-json"}' in known
    assert "my-model-name-1" not in known  # a model name in every trajectory must stay readable
    assert "my-model-name-1" in mask_secrets("model my-model-name-1")


@pytest.mark.parametrize("cut", [1, 5, len(KEY) - 12])
def test_a_key_cut_by_the_output_limit_is_masked(home, cut):
    """The tail is kept (``cap_output``, ``TailBuffer``): what is left of the key starts the output."""
    (home / ".env").write_text(f"ANTHROPIC_KEY={KEY}\n", encoding="utf-8")
    capped = cap_output("x" * 100 + KEY + "\nrest of the log\n", len(KEY) - cut + 17)
    assert capped.startswith("[output truncated") and KEY[cut:] in capped
    masked = mask_secrets(capped)
    assert KEY[cut:] not in masked and KEY[cut + 6 :] not in masked and "rest of the log" in masked


@pytest.mark.parametrize("kept", [12, 20, len(KEY) - 1])
def test_a_key_cut_at_the_end_of_the_output_is_masked(home, kept):
    (home / ".env").write_text(f"ANTHROPIC_KEY={KEY}\n", encoding="utf-8")
    masked = mask_secrets("head of the file\n" + KEY[:kept])
    assert KEY[:kept] not in masked and KEY[:10] not in masked and masked.startswith("head of the file")


CUT_FORMS = {
    "cut -c1-30 of each line": lambda env: "\n".join(line[:30] for line in env.splitlines()),
    "head -c 20 of each value, tabbed": lambda env: "\t".join(
        line.split("=", 1)[1][:20] + " (cut)" for line in env.splitlines()
    ),
    "hex of each line cut": lambda env: "\n".join(line[:34].encode().hex() for line in env.splitlines()),
    "base64 of each line cut": lambda env: "\n".join(_b64(line[:36].encode()) for line in env.splitlines()),
    "upper, cut": lambda env: "\n".join(line[:36].upper() + " ..." for line in env.splitlines()),
}


@pytest.mark.parametrize("cut", CUT_FORMS)
def test_a_prefix_of_a_key_anywhere_in_the_output_is_masked(home, cut):
    """Issue 22.1: a prefix of 12 characters or more of a known key is masked wherever an output limit
    (``cut -c``, ``head -c``, a column limit) left it, not only at the very end of the output."""
    other = "tok9Zq7Xw5Vu3Ts1Rq0PoNmLkJiH"
    env = f"ANTHROPIC_KEY={KEY}\nSERVICE_CREDENTIALS={other}\nLAST=plain-words-only-here-xyz\n"
    (home / ".env").write_text(env, encoding="utf-8")
    text = CUT_FORMS[cut](env) + "\nand the command went on\n"
    masked = mask_secrets(text)
    for key in (KEY, other):
        for start in (0, 3):  # the key's first 12 (and 12 from its 4th) characters, in any form
            for form in (key[start : start + 12], key[start : start + 12].upper()):
                assert form not in masked and form.encode().hex() not in masked, (form, masked)
        assert _b64(key[:12].encode())[:16] not in "".join(masked.split())
    assert masked.endswith("and the command went on\n")


def test_paths_and_urls_in_env_are_not_masked_by_their_prefix(home):
    (home / ".env").write_text("DATA_DIR=/home/user/Datasets2024\nMIRROR=http://localhost:11434/v1\n")
    text = "ls /home/user/Documents\ncurl http://localhost:8000/v1/models\n"
    assert mask_secrets(text) == text
    assert "/home/user/Datasets2024" not in mask_secrets("cd /home/user/Datasets2024 && ls")


def test_short_fragments_and_ordinary_text_are_left_alone(home):
    (home / ".env").write_text(f"ANTHROPIC_KEY={KEY}\n", encoding="utf-8")
    text = "log line\n" + KEY[:11]  # below the 12 characters rule
    assert mask_secrets(text) == text
    plain = "nothing secret here: ls -la /tmp\nexit 0\n" * 50
    assert mask_secrets(plain) == plain


def test_masking_twice_changes_nothing_and_json_stays_valid(home):
    (home / ".env").write_text(f"ANTHROPIC_KEY={KEY}\n", encoding="utf-8")
    record = json.dumps({"out": [ENCODINGS[e](KEY) for e in ENCODINGS]})
    masked = mask_secrets(record)
    assert mask_secrets(masked) == masked
    assert len(json.loads(masked)["out"]) == len(ENCODINGS)


def test_base64_cores_are_those_of_each_alignment():
    data = KEY.encode()
    cores = secret_forms._base64_cores(data)
    for pad in (b"", b"a", b"ab", b"abc", b"abcd"):
        for tail in (b"", b"z", b"zz"):
            assert any(core in _b64(pad + data + tail) for core in cores)


def test_the_matcher_is_built_once_per_secret_set(home, monkeypatch):
    (home / ".env").write_text(f"ANTHROPIC_KEY={KEY}\n", encoding="utf-8")
    secret_forms.secret_matcher.cache_clear()
    built = []
    real = secret_forms.SecretMatcher.__init__

    def counting(self, secrets):
        built.append(1)
        real(self, secrets)

    monkeypatch.setattr(secret_forms.SecretMatcher, "__init__", counting)
    for _ in range(20):
        mask_secrets(f"x {codecs.encode(KEY, 'rot13')} {KEY}")
    assert len(built) == 1
