"""The JSON scanner that clears bytes before a parser sees them: whatever the chunking, a
document within the limits passes through byte for byte, and a hostile one is refused."""

from __future__ import annotations

import io
import json

import ijson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app_service.json_limits import JsonLimitError, JsonScanner, LimitedJsonReader, Limits, loads

LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30),  # every code point, escaped pairs for the astral ones
)
DOCS = st.recursive(
    LEAVES,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=25,
)


def _scan(data: bytes, cuts: list[int], limits: Limits | None = None) -> bytes:
    scanner = JsonScanner(limits or Limits())
    out, last = b"", 0
    for cut in sorted(c % (len(data) + 1) for c in cuts):
        out += scanner.feed(data[last:cut])
        last = cut
    return out + scanner.feed(data[last:]) + scanner.close()


@settings(max_examples=300, deadline=None)
@given(
    doc=DOCS,
    cuts=st.lists(st.integers(min_value=0, max_value=10_000), max_size=8),
    ascii_only=st.booleans(),
)
def test_a_document_within_the_limits_passes_whole_however_it_is_cut(doc, cuts, ascii_only):
    data = json.dumps(doc, ensure_ascii=ascii_only).encode()
    assert _scan(data, cuts) == data
    assert loads(data) == json.loads(data)


HOSTILE = [
    (b"9" * 65, "longer than 64"),
    (b"-" + b"1" * 5000, "longer than 64"),
    (b"1." + b"0" * 70, "longer than 64"),
    (b'"\\ud800"', "lone surrogate"),
    (b'"ab\\udc00"', "lone surrogate"),
    (b'"\\uD83D\\u0041"', "lone surrogate"),
    (b"[" * 40 + b"]" * 40, "nests deeper"),
    (b'{"a":' * 40 + b"1" + b"}" * 40, "nests deeper"),
    (b'"bad \\x escape"', "invalid escape"),
]


@settings(max_examples=60, deadline=None)
@given(
    index=st.integers(min_value=0, max_value=len(HOSTILE) - 1),
    doc=DOCS,
    cuts=st.lists(st.integers(min_value=0, max_value=10_000), max_size=8),
)
def test_a_hostile_token_anywhere_is_refused_however_it_is_cut(index, doc, cuts):
    token, reason = HOSTILE[index]
    data = b'[{"before": ' + json.dumps(doc).encode() + b', "x": ' + token + b"}]"
    with pytest.raises(JsonLimitError, match=reason):
        _scan(data, cuts)


def test_look_alikes_are_not_refused():
    for text in (
        b'"\\\\ud800"',
        b'"ud800"',
        b'"\\ud83d\\ude00"',
        b'"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["',
        b'"' + b"9" * 10_000 + b'"',
        b"[true, false, null, 1e-5, -0.0]",
    ):
        assert _scan(text, [1, 3, 5, 8]) == text


def test_the_size_limit_is_a_413():
    with pytest.raises(JsonLimitError) as refused:
        _scan(b"[" + b"1," * 100 + b"1]", [50], Limits(max_bytes=100))
    assert refused.value.status == 413


def test_numbers_nan_and_overflowing_floats_are_refused_by_loads():
    for text, reason in ((b"[NaN]", "NaN"), (b"[Infinity]", "Infinity"), (b"[1e999]", "too large")):
        with pytest.raises(JsonLimitError, match=reason):
            loads(text)
    with pytest.raises(UnicodeDecodeError):
        loads(b'["\xed\xa0\x80"]')  # a surrogate's raw UTF-8 bytes


def test_ijson_reads_through_the_reader_and_sees_the_refusal_not_the_token():
    good = json.dumps([{"a": i, "b": "x" * i} for i in range(2000)]).encode()
    reader = io.BufferedReader(LimitedJsonReader(io.BytesIO(good)), 1 << 12)
    assert len(list(ijson.items(reader, "item"))) == 2000
    bad = good[:-1] + b", " + b"9" * 5000 + b"]"
    reader = io.BufferedReader(LimitedJsonReader(io.BytesIO(bad)), 1 << 12)
    with pytest.raises(JsonLimitError, match="longer than 64"):
        list(ijson.items(reader, "item"))
