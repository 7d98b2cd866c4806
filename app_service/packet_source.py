"""Read a packet (CSV, a JSON array, or an iterable of dicts) into rows for COPY.

Reading is streaming: memory stays flat in the size of the file. Rows that cannot even be
read as rows (ragged, not UTF-8, a NUL byte, an oversized field) still reach the database,
flagged with the column and the reason, so every submitted row is accounted for there.
A header that cannot be used fails the whole packet (PacketFormatError).
"""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from app_service.json_limits import JsonLimitError, LimitedJsonReader, Limits

KNOWN_COLUMNS = (
    "customer_id",
    "first_name",
    "last_name",
    "phone",
    "email",
    "timezone",
    "appointment_id",
    "appointment_at",
    "status",
    "location_id",
)
REQUIRED_HEADER = ("customer_id",)
MAX_FIELD_CHARS = 65_536
MAX_LINE_CHARS = 1_048_576
MAX_COLUMNS = 200
MAX_ROWS = 2_000_000
PACKET_JSON_LIMITS = Limits(max_depth=16, max_number_chars=64)

_OVERSIZED = "\ue000reminderly-oversized-line\ue000"
_BAD_CHARS = re.compile("[\x00\udc80-\udcff]")

InboxRow = tuple[Any, ...]
"""(row_no, *KNOWN_COLUMNS, extra_json, error_column, error_reason): packet_inbox's columns."""


class PacketFormatError(ValueError):
    """The packet as a whole cannot be read (bad header, malformed JSON, too many rows)."""


@dataclass
class ReadProgress:
    rows: int = 0
    bytes: int = 0


class _HashingReader(io.RawIOBase):
    """A binary stream that hashes and counts the bytes read through it."""

    def __init__(self, raw: IO[bytes], progress: ReadProgress):
        self._raw = raw
        self._progress = progress
        self.sha256 = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[override]
        data = self._raw.read(len(buffer))
        if not data:
            return 0
        n = len(data)
        buffer[:n] = data
        self.sha256.update(data)
        self._progress.bytes += n
        return n


def _bounded_lines(text: IO[str], limit: int) -> Iterator[str]:
    """Lines of `text`, each at most `limit` characters; a longer line is skipped to its end
    and replaced by a marker line, so one huge field cannot take the loader's memory."""
    while True:
        line = text.readline(limit)
        if not line:
            return
        if len(line) >= limit and not line.endswith("\n"):
            while (rest := text.readline(limit)) and not rest.endswith("\n"):
                pass
            yield _OVERSIZED + "\n"
            continue
        yield line


def _header(names: list[str], *, require: bool = True) -> list[str]:
    header = [n.strip().lower().replace(" ", "_").replace("-", "_") for n in names]
    if not any(header):
        raise PacketFormatError("the CSV has no header row")
    if len(header) > MAX_COLUMNS:
        raise PacketFormatError(f"the header has {len(header)} columns; at most {MAX_COLUMNS}")
    for i, name in enumerate(header, start=1):
        if not name:
            raise PacketFormatError(f"header column {i} has no name")
        if _BAD_CHARS.search(name):
            raise PacketFormatError(f"header column {i} is not valid UTF-8 text")
    seen: set[str] = set()
    for name in header:
        if name in seen:
            raise PacketFormatError(f"the header names column {name!r} twice")
        seen.add(name)
    missing = [c for c in REQUIRED_HEADER if c not in seen]
    if require and missing:
        raise PacketFormatError(f"the header has no {', '.join(missing)} column")
    return header


class _RowBuilder:
    """Turns a header plus values into inbox rows: known columns, extras, errors."""

    def __init__(self, header: list[str]):
        self.header = header
        self.names = header
        self.known = [header.index(c) if c in header else None for c in KNOWN_COLUMNS]
        self.extras = [(i, n) for i, n in enumerate(header) if n not in KNOWN_COLUMNS]

    def error(self, row_no: int, column: str, reason: str) -> InboxRow:
        return (row_no, *([None] * len(KNOWN_COLUMNS)), None, column, reason)

    def build(self, row_no: int, values: list[str]) -> InboxRow:
        if len(values) != len(self.header):
            return self.error(
                row_no, "row", f"has {len(values)} fields; the header has {len(self.header)}"
            )
        joined = "\x1f".join(values)
        if _BAD_CHARS.search(joined):
            for name, value in zip(self.header, values, strict=True):
                if _BAD_CHARS.search(value):
                    reason = "contains a NUL character" if "\x00" in value else "is not valid UTF-8"
                    return self.error(row_no, name, reason)
        cells = [v.strip() or None for v in values]
        known = [None if i is None else cells[i] for i in self.known]
        extra = {n: cells[i] for i, n in self.extras if cells[i] is not None}
        return (
            row_no,
            *known,
            json.dumps(extra, ensure_ascii=False) if extra else None,
            None,
            None,
        )


@dataclass
class PacketSource:
    """A packet's rows, read lazily. `checksum` is known once `rows()` is exhausted."""

    kind: str  # csv | json | rows
    filename: str | None
    _rows: Callable[[], Iterator[InboxRow]]
    _checksum: Callable[[], bytes]
    progress: ReadProgress

    def rows(self) -> Iterator[InboxRow]:
        for n, row in enumerate(self._rows(), start=1):
            if n > MAX_ROWS:
                raise PacketFormatError(f"the packet has more than {MAX_ROWS} rows")
            self.progress.rows = n
            yield row

    @property
    def checksum(self) -> bytes:
        return self._checksum()


def csv_source(stream: IO[bytes], filename: str | None = None) -> PacketSource:
    """A CSV packet with a header row, UTF-8 (a BOM is allowed), any line endings."""
    progress = ReadProgress()
    hashing = _HashingReader(stream, progress)

    def rows() -> Iterator[InboxRow]:
        text = io.TextIOWrapper(
            io.BufferedReader(hashing, 1 << 16),
            encoding="utf-8-sig",
            errors="surrogateescape",
            newline="",
        )
        reader = csv.reader(_bounded_lines(text, MAX_LINE_CHARS), strict=False)
        try:
            first = next(reader)
        except StopIteration:
            raise PacketFormatError("the CSV is empty: no header row") from None
        except csv.Error as exc:
            raise PacketFormatError(f"the header row cannot be read: {exc}") from None
        builder = _RowBuilder(_header(first))
        row_no = 0
        old_limit = csv.field_size_limit(MAX_FIELD_CHARS)
        try:
            while True:
                try:
                    values = next(reader)
                except StopIteration:
                    break
                except csv.Error:
                    row_no += 1
                    yield builder.error(
                        row_no, "row", f"has a field longer than {MAX_FIELD_CHARS} characters"
                    )
                    continue
                if not values:
                    continue  # a blank line is not a row
                row_no += 1
                if len(values) == 1 and values[0] == _OVERSIZED:
                    yield builder.error(
                        row_no, "row", f"is longer than {MAX_LINE_CHARS} characters"
                    )
                    continue
                yield builder.build(row_no, values)
        finally:
            csv.field_size_limit(old_limit)
        text.read()  # drain, so the checksum covers the whole body

    return PacketSource("csv", filename, rows, lambda: hashing.sha256.digest(), progress)


def _wrong_type(item: dict) -> tuple[str, str] | None:
    """(column, reason) for a known column given as an object, array or boolean: text or a
    number (read as its text, as a CSV cell would be) is all a known column can hold, and
    `{"a": 1}` kept as the customer id '{"a": 1}' would be a silent mistake. Other keys are
    merge fields and keep any JSON."""
    for key, value in item.items():
        if key in KNOWN_COLUMNS and isinstance(value, (dict, list, bool)):
            kind = (
                "an object"
                if isinstance(value, dict)
                else "an array"
                if isinstance(value, list)
                else "a boolean"
            )
            return key, f"must be a string, not {kind}"
    return None


def _dict_rows(items: Iterable[Any]) -> Iterator[InboxRow]:
    builder: _RowBuilder | None = None
    for row_no, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            yield _RowBuilder(list(REQUIRED_HEADER)).error(row_no, "row", "is not a JSON object")
            continue
        keys = [str(k) for k in item]
        if builder is None or builder.names != keys:
            try:
                builder = _RowBuilder(_header(keys, require=False))
                builder.names = keys
            except PacketFormatError as exc:
                reason = str(exc).replace("the header names column", "names key")
                yield _RowBuilder(list(REQUIRED_HEADER)).error(row_no, "row", reason)
                continue
        wrong = _wrong_type(item)
        if wrong:
            yield builder.error(row_no, *wrong)
            continue
        values = []
        for value in item.values():
            if value is None:
                values.append("")
            elif isinstance(value, str):
                values.append(value)
            elif isinstance(value, bool):
                values.append("true" if value else "false")
            elif isinstance(value, (int, float)) or type(value).__name__ == "Decimal":
                values.append(str(value))
            else:
                values.append(json.dumps(value, default=str))
        yield builder.build(row_no, values)


def json_source(stream: IO[bytes], filename: str | None = None) -> PacketSource:
    """A JSON array of objects with the CSV's column names as keys, parsed incrementally."""
    import ijson

    progress = ReadProgress()
    hashing = _HashingReader(stream, progress)

    def rows() -> Iterator[InboxRow]:
        # the scanner clears each byte before ijson sees it (depth, number length, surrogates)
        reader = io.BufferedReader(LimitedJsonReader(hashing, PACKET_JSON_LIMITS), 1 << 16)
        try:
            events = ijson.parse(reader)
            first = next(events, None)
            if first is None or first[:2] != ("", "start_array"):
                raise PacketFormatError("the body must be a JSON array of row objects")
            yield from _dict_rows(ijson.items(itertools.chain([first], events), "item"))
            reader.read()  # drain, so the checksum covers the whole body
        except JsonLimitError as exc:
            raise PacketFormatError(f"the JSON is refused: {exc.reason}") from None
        except ijson.JSONError as exc:
            raise PacketFormatError(f"the JSON is malformed: {exc}") from None
        except UnicodeDecodeError:
            raise PacketFormatError("the JSON is not valid UTF-8") from None

    return PacketSource("json", filename, rows, lambda: hashing.sha256.digest(), progress)


def rows_source(items: Iterable[dict[str, Any]]) -> PacketSource:
    """Rows given as dicts (library callers, the API). The checksum is over their JSON."""
    progress = ReadProgress()
    digest = hashlib.sha256()

    def hashed() -> Iterator[Any]:
        for item in items:
            encoded = json.dumps(item, sort_keys=True, default=str).encode()
            digest.update(encoded)
            progress.bytes += len(encoded)
            yield item

    return PacketSource(
        "rows", None, lambda: _dict_rows(hashed()), lambda: digest.digest(), progress
    )


def file_source(path: Path) -> tuple[PacketSource, IO[bytes]]:
    """Open `path` as CSV or JSON by its extension; the caller closes the returned file."""
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".json"):
        raise PacketFormatError(f"{path.name}: expected a .csv or .json file")
    handle = path.open("rb")
    source = csv_source(handle, path.name) if suffix == ".csv" else json_source(handle, path.name)
    return source, handle


__all__ = [
    "KNOWN_COLUMNS",
    "PacketFormatError",
    "PacketSource",
    "csv_source",
    "file_source",
    "json_source",
    "rows_source",
]
