"""``hermes_core.parsing_partial.json_object_prefix``: the rule that makes streamed arguments a prefix of
the final ones by construction. For any text and any cut, what a stream sends at the cut (the commit of
the cut text) is a prefix of what ``parse()`` keeps for the whole text, and commit + closure is JSON."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from hermes_core.parsing_partial import json_object_prefix

_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)
_documents = st.dictionaries(st.text(max_size=5), _json_values, max_size=4).map(
    lambda d: json.dumps(d, ensure_ascii=False)
)
_noise = st.sampled_from(["", ",", "}", "]", '"', "\\", "tru", "1.", "\n", ", }", ':"x'])


@settings(max_examples=400, deadline=None)
@given(document=_documents, noise=_noise, data=st.data())
def test_commit_is_monotone_and_always_closes_to_json(document, noise, data):
    text = document[: data.draw(st.integers(1, len(document)))] + noise  # callers start at a ``{``
    whole = json_object_prefix(text, 0)
    final = text[: whole.commit]
    json.loads(final + whole.closure)
    for cut in range(1, len(text) + 1):
        early = json_object_prefix(text[:cut], 0)
        sent = text[: early.commit]
        json.loads(sent + early.closure)
        assert final.startswith(sent), (text, cut)


def test_complete_object_is_kept_as_written():
    text = '{"a": [1, 2.5e3, true, null], "b": {"c": "\\u00e9\\n"}}'
    found = json_object_prefix(text + " trailing", 0)
    assert found.complete and text[: found.commit] == text and found.closure == ""


def test_commit_points():
    cases = {
        '{"a": 1, "b": "xy': '{"a": 1, "b": "xy"}',  # inside a string: sent as it comes
        '{"a": 1, "b": 12': '{"a": 1}',  # a number may still grow
        '{"a": [1, 2': '{"a": [1]}',
        '{"a": "c\\': '{"a": "c"}',  # never inside an escape
        '{"a": 1,, }': '{"a": 1}',  # a bad token ends the object where it was certain
        '{"a": tr': "{}",
    }
    for text, expected in cases.items():
        found = json_object_prefix(text, 0)
        assert text[: found.commit] + found.closure == expected, text
