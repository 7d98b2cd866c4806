"""Library-level: reading CSV and JSON packets into inbox rows (no database)."""

from __future__ import annotations

import hashlib
import io
import itertools
import json
import tracemalloc

import pytest

from app_service.packet_source import (
    KNOWN_COLUMNS,
    MAX_FIELD_CHARS,
    MAX_LINE_CHARS,
    PacketFormatError,
    csv_source,
    json_source,
    rows_source,
)

COL = {name: i + 1 for i, name in enumerate(KNOWN_COLUMNS)}
EXTRA, ERR_COL, ERR = len(KNOWN_COLUMNS) + 1, len(KNOWN_COLUMNS) + 2, len(KNOWN_COLUMNS) + 3


def read_csv(body: bytes) -> list[tuple]:
    return list(csv_source(io.BytesIO(body)).rows())


def test_maps_known_columns_and_keeps_the_rest_as_merge_fields():
    rows = read_csv(
        b"Customer ID,Phone,pet name,appointment_at\r\nc1, 312 555 0134 ,Rex,2026-12-01T10:00\r\n"
    )
    (row,) = rows
    assert row[0] == 1
    assert row[COL["customer_id"]] == "c1"
    assert row[COL["phone"]] == "312 555 0134"  # trimmed
    assert row[COL["appointment_at"]] == "2026-12-01T10:00"
    assert json.loads(row[EXTRA]) == {"pet_name": "Rex"}
    assert row[ERR] is None


def test_empty_cells_are_null_and_blank_lines_are_not_rows():
    rows = read_csv(b"customer_id,email\nc1,\n\nc2,x@y.org\n\n")
    assert [r[0] for r in rows] == [1, 2]
    assert rows[0][COL["email"]] is None


def test_quoted_fields_may_hold_commas_and_newlines():
    (row,) = read_csv(b'customer_id,note\nc1,"line one,\nline two"\n')
    assert json.loads(row[EXTRA]) == {"note": "line one,\nline two"}


def test_utf8_bom_is_ignored():
    (row,) = read_csv("\ufeffcustomer_id,first_name\nc1,Zoë\n".encode())
    assert row[COL["customer_id"]] == "c1"
    assert row[COL["first_name"]] == "Zoë"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "empty"),
        (b"name,phone\nx,1\n", "no customer_id column"),
        (b"customer_id,phone,Phone\nc1,1,2\n", "names column 'phone' twice"),
        (b"customer_id,,phone\n", "header column 2 has no name"),
    ],
)
def test_unusable_header_fails_the_packet(body, message):
    with pytest.raises(PacketFormatError, match=message):
        read_csv(body)


def test_ragged_rows_are_flagged_not_dropped():
    rows = read_csv(b"customer_id,phone\nc1,1\nc2\nc3,3,extra\nc4,4\n")
    assert [r[0] for r in rows] == [1, 2, 3, 4]
    assert rows[1][ERR_COL] == "row" and rows[1][ERR] == "has 1 fields; the header has 2"
    assert rows[2][ERR] == "has 3 fields; the header has 2"
    assert rows[0][ERR] is None and rows[3][ERR] is None


def test_invalid_utf8_and_nul_are_flagged_on_their_column():
    rows = read_csv(b"customer_id,first_name\nc1,caf\xe9\nc2,ok\nc3,a\x00b\n")
    assert (rows[0][ERR_COL], rows[0][ERR]) == ("first_name", "is not valid UTF-8")
    assert rows[1][ERR] is None
    assert (rows[2][ERR_COL], rows[2][ERR]) == ("first_name", "contains a NUL character")


def test_oversized_field_is_flagged_and_reading_goes_on():
    big = b"x" * (MAX_FIELD_CHARS + 10)
    rows = read_csv(b"customer_id,note\nc1," + big + b"\nc2,fine\n")
    assert rows[0][ERR] == f"has a field longer than {MAX_FIELD_CHARS} characters"
    assert rows[1][COL["customer_id"]] == "c2" and rows[1][ERR] is None


class ChunkStream(io.RawIOBase):
    """A binary stream over generated chunks: big inputs without materialising them."""

    def __init__(self, chunks):
        self.chunks = iter(chunks)
        self.pending = b""

    def readable(self):
        return True

    def readinto(self, buffer):
        while not self.pending:
            self.pending = next(self.chunks, None)
            if self.pending is None:
                return 0
        n = min(len(buffer), len(self.pending))
        buffer[:n] = self.pending[:n]
        self.pending = self.pending[n:]
        return n


def test_a_100_mb_field_is_skipped_without_holding_it_in_memory():
    megabyte = b"x" * (1 << 20)
    chunks = itertools.chain(
        [b"customer_id,note\nc1,"], itertools.repeat(megabyte, 100), [b"\nc2,after\n"]
    )
    tracemalloc.start()
    rows = list(csv_source(ChunkStream(chunks)).rows())
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert [r[0] for r in rows] == [1, 2]
    assert rows[0][ERR] == f"is longer than {MAX_LINE_CHARS} characters"
    assert rows[1][COL["customer_id"]] == "c2"
    assert peak < 20 * (1 << 20)  # bounded by the line limit, not by the 100 MB field


def test_checksum_is_the_sha256_of_the_bytes():
    body = b"customer_id\nc1\nc2\n"
    source = csv_source(io.BytesIO(body))
    list(source.rows())
    assert source.checksum == hashlib.sha256(body).digest()
    assert source.progress.rows == 2
    assert source.progress.bytes == len(body)


def test_json_array_of_objects():
    body = json.dumps(
        [
            {"customer_id": "c1", "phone": "3125550134", "visits": 3, "vip": True},
            "not an object",
            {"customer_id": 42, "tags": ["a", "b"], "email": None},
        ]
    ).encode()
    rows = list(json_source(io.BytesIO(body)).rows())
    assert rows[0][COL["customer_id"]] == "c1"
    assert json.loads(rows[0][EXTRA]) == {"visits": "3", "vip": "true"}
    assert rows[1][ERR] == "is not a JSON object"
    assert rows[2][COL["customer_id"]] == "42"
    assert rows[2][COL["email"]] is None
    assert json.loads(rows[2][EXTRA]) == {"tags": '["a", "b"]'}


def test_malformed_json_fails_the_packet():
    with pytest.raises(PacketFormatError, match="malformed"):
        list(json_source(io.BytesIO(b'[{"customer_id": "c1"}, {"customer_id": ')).rows())


@pytest.mark.parametrize("body", [b'{"customer_id": "c1"}', b'"rows"', b"", b"42"])
def test_json_that_is_not_an_array_fails_the_packet(body):
    with pytest.raises(PacketFormatError, match=r"JSON array|malformed"):
        list(json_source(io.BytesIO(body)).rows())


def test_rows_source_checksum_depends_on_content_not_key_order():
    a = rows_source([{"customer_id": "c1", "phone": "1"}])
    b = rows_source([{"phone": "1", "customer_id": "c1"}])
    c = rows_source([{"customer_id": "c2", "phone": "1"}])
    for s in (a, b, c):
        list(s.rows())
    assert a.checksum == b.checksum != c.checksum
