"""JSON read under limits that hold before anything is allocated for it.

A hostile body is refused while its bytes are scanned, before a parser sees them:
- nesting deeper than `max_depth` (ijson keeps one prefix per level: 100,000 `[` cost
  memory in the square of the depth; the standard parser recurses and dies at ~1,000);
- a number longer than `max_number_chars` (ijson's C backend crashes the process on an
  integer over Python's 4,300-digit conversion limit; the standard parser spends
  quadratic time on long ones);
- an escaped lone surrogate (`"\\ud800"`): ijson turns it into `?` (ids collide), the standard
  parser into a string PostgreSQL cannot store;
- more than `max_bytes` in all (answered as 413).

The scanner reads strings and numbers with one regular expression each and stops in Python
only at brackets, so it adds little to the parse. It works on a stream in chunks (a token cut
by a chunk's end is held back until the next one), so a packet stays streamed.
"""

from __future__ import annotations

import io
import json
import math
import re
from dataclasses import dataclass
from typing import IO, Any

MAX_DEPTH = 32
MAX_NUMBER_CHARS = 64

_ESCAPE = rb"""\\["\\/bfnrt]|\\u(?![dD][89a-fA-F])[0-9a-fA-F]{4}|\\u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}"""
_STRING_BODY = re.compile(rb"(?:[^\"\\]++|" + _ESCAPE + rb")*+")
_NUMBER_RUN = re.compile(rb"[-+.0-9eE]*+")
_SURROGATE = re.compile(rb"\\u[dD][89a-fA-F]")
_HOLD_ESCAPE = 12  # a surrogate pair escape is 12 bytes: one cut by a chunk's end waits


def _safe_run(max_number: int) -> re.Pattern[bytes]:
    """Whole strings, numbers within the limit and anything but brackets, quotes starting an
    unfinished string, backslashes and over-long numbers."""
    string = rb'"(?:[^"\\]++|' + _ESCAPE + rb')*+"'
    number = rb"[-0-9][-+.0-9eE]{0,%d}+(?![-+.0-9eE])" % (max_number - 1)
    return re.compile(rb"(?:" + string + rb"|[^\"\[\]{}\\0-9-]++|" + number + rb")*+")


class JsonLimitError(ValueError):
    """The JSON breaks a limit: `status` 413 for its size, else 400; `reason` says which."""

    def __init__(self, reason: str, *, status: int = 400):
        super().__init__(reason)
        self.reason = reason
        self.status = status


@dataclass(frozen=True)
class Limits:
    max_depth: int = MAX_DEPTH
    max_number_chars: int = MAX_NUMBER_CHARS
    max_bytes: int | None = None


class JsonScanner:
    """Feed bytes in; get back the prefix that is known to be within the limits."""

    def __init__(self, limits: Limits = Limits()):
        self.limits = limits
        self._safe = _safe_run(limits.max_number_chars)
        self._held = b""
        self._in_string = False
        self._depth = 0
        self._offset = 0  # bytes released so far (for the error's position)

    def feed(self, chunk: bytes, *, final: bool = False) -> bytes:
        """The bytes of `chunk` (with any held back before) that can go to a parser now."""
        buf = self._held + chunk if self._held else chunk
        total = self._offset + len(buf)
        if self.limits.max_bytes is not None and total > self.limits.max_bytes:
            raise JsonLimitError(
                f"the JSON is larger than {self.limits.max_bytes} bytes", status=413
            )
        cut = self._scan(buf, final)
        self._held = buf[cut:]
        self._offset += cut
        return buf[:cut]

    def close(self) -> bytes:
        return self.feed(b"", final=True)

    def _error(self, reason: str, at: int) -> JsonLimitError:
        return JsonLimitError(f"{reason} (at byte {self._offset + at})")

    def _scan(self, buf: bytes, final: bool) -> int:
        pos, end = 0, len(buf)
        limits = self.limits
        while pos < end:
            if self._in_string:
                stop = _STRING_BODY.match(buf, pos).end()
                if stop == end:
                    return end
                if buf[stop] == 0x22:  # the closing quote
                    self._in_string = False
                    pos = stop + 1
                    continue
                if not final and end - stop < _HOLD_ESCAPE:
                    return stop  # an escape cut by the chunk's end
                if _SURROGATE.match(buf, stop):
                    raise self._error(
                        "the JSON holds a lone surrogate escape (\\ud800-\\udfff)", stop
                    )
                raise self._error("the JSON holds an invalid escape in a string", stop)
            stop = self._safe.match(buf, pos).end()
            if stop == end:
                if final:
                    return end
                # a number cut by the chunk's end waits for the rest of it
                tail = len(buf) - len(buf.rstrip(b"-+.0123456789eE"))
                return end - tail if tail <= limits.max_number_chars else self._too_long(end - tail)
            c = buf[stop]
            if c in b"[{":
                self._depth += 1
                if self._depth > limits.max_depth:
                    raise self._error(f"the JSON nests deeper than {limits.max_depth} levels", stop)
                pos = stop + 1
            elif c in b"]}":
                self._depth = max(0, self._depth - 1)
                pos = stop + 1
            elif c == 0x22:  # a string the fast path could not take whole
                self._in_string = True
                pos = stop + 1
            elif c == 0x5C:  # a backslash outside a string: the parser reports it
                pos = stop + 1
            else:  # a number: too long, or cut by the chunk's end
                run = _NUMBER_RUN.match(buf, stop).end()
                if run - stop > limits.max_number_chars:
                    self._too_long(stop)
                if run == end and not final:
                    return stop
                pos = run
        return end

    def _too_long(self, at: int) -> int:
        raise self._error(
            f"the JSON holds a number longer than {self.limits.max_number_chars} characters", at
        )


class LimitedJsonReader(io.RawIOBase):
    """A binary stream that passes on only bytes the scanner has cleared; a parser reading
    through it sees a JsonLimitError instead of a hostile token."""

    def __init__(self, raw: IO[bytes], limits: Limits = Limits()):
        self._raw = raw
        self._scanner = JsonScanner(limits)
        self._out = b""
        self._eof = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[override]
        while not self._out and not self._eof:
            chunk = self._raw.read(max(len(buffer), 1 << 16))
            if chunk:
                self._out = self._scanner.feed(chunk)
            else:
                self._out = self._scanner.close()
                self._eof = True
        n = min(len(buffer), len(self._out))
        buffer[:n] = self._out[:n]
        self._out = self._out[n:]
        return n


def _no_constant(name: str) -> Any:
    raise JsonLimitError(f"the JSON holds {name}, which is not a JSON number")


def _finite(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise JsonLimitError(f"the JSON holds a number too large for a float ({text[:20]})")
    return value


def loads(data: bytes | str, limits: Limits = Limits()) -> Any:
    """json.loads under `limits` (JsonLimitError), UTF-8 only (UnicodeDecodeError), standard
    JSON only (ValueError: no NaN or Infinity, no float that overflows to one)."""
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    JsonScanner(limits).feed(raw, final=True)
    # strict UTF-8: json.loads would decode bytes with "surrogatepass", letting a surrogate's
    # raw bytes (ED A0 80) through as a lone surrogate PostgreSQL cannot store
    text = raw.decode("utf-8")
    return json.loads(text, parse_constant=_no_constant, parse_float=_finite)


__all__ = [
    "MAX_DEPTH",
    "MAX_NUMBER_CHARS",
    "JsonLimitError",
    "JsonScanner",
    "LimitedJsonReader",
    "Limits",
    "loads",
]
