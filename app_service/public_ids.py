"""The ids a tenant sees are not the database's sequence values.

Rows keep their bigint keys (global sequences shared by all accounts), but a tenant that saw
them could read the platform's volume off them: two campaigns created a minute apart, ids 812
and 977, mean 164 other campaigns in between. So every id that leaves through the API, the
dashboard, a webhook or a link is the sequence value put through a keyed permutation:

- a public id is still an integer (the definition's `Id`, JSON-safe: below 2**53), always in
  [2**52, 2**53), so it never looks like, or collides with, a sequence value;
- the permutation is a 52-bit Feistel network (10 rounds of keyed BLAKE2b), a bijection, so
  no table or lookup is needed and every id keeps its row; without the key, consecutive rows
  map to ids with no order and no gaps to count;
- cursors (a page's last id, the event feed's transaction id and event id) are one AES block
  under a key from the same secret, so they carry no readable counter either.

The key is derived from the link secret (REMINDERLY_LINK_SECRET) that the API and the worker
already share: rotating that secret changes every public id, so it is not rotated. Operators
translate with `reminderly ids public|internal`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from functools import lru_cache

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

BITS = 52
BASE = 1 << BITS  # public ids are BASE + permutation(internal)
_HALF = BITS // 2
_MASK = (1 << _HALF) - 1
_ROUNDS = 10
_CURSOR = re.compile(r"[A-Za-z0-9_-]{22}")
_SEGMENT = re.compile(r"(?<=/)(\d+)(?=/|$|\?)")
# a row named in an error's text: "campaign 17 is draft", "packet 9 is cancelled"
_NAMED = re.compile(
    r"\b(account|api key|key|customer|location|appointment|campaign|template|packet|message"
    r"|event|webhook endpoint|endpoint|delivery) (\d{1,16})\b"
)


class Ref(int):
    """An internal id read from a request, with the public id the client wrote (`public`), so
    an error can name what the client sent."""

    public: int

    def __new__(cls, internal: int, public: int) -> Ref:
        made = super().__new__(cls, internal)
        made.public = public
        return made


def is_id_field(name: object) -> bool:
    """JSON fields that hold a row's id: `id`, `*_id` and `duplicate_of` (external ids are
    strings, so only integers are touched)."""
    return isinstance(name, str) and (name in ("id", "duplicate_of") or name.endswith("_id"))


class PublicIds:
    """The permutation and the cursor cipher of one deployment (one secret)."""

    def __init__(self, secret: str) -> None:
        key = hmac.new(secret.encode(), b"reminderly-public-ids-v1", hashlib.sha256).digest()
        self._round_key = key
        self._aes = algorithms.AES(
            hmac.new(secret.encode(), b"reminderly-cursors-v1", hashlib.sha256).digest()
        )
        self.encode = lru_cache(maxsize=65536)(self._encode)  # type: ignore[method-assign]

    def _f(self, i: int, half: int) -> int:
        digest = hashlib.blake2b(
            half.to_bytes(4, "big") + bytes([i]), key=self._round_key, digest_size=4
        ).digest()
        return int.from_bytes(digest, "big") & _MASK

    def _encode(self, internal: int) -> int:
        """The public id of a row id (1 <= internal < 2**52)."""
        if not 0 < internal < BASE:
            raise ValueError(f"id {internal} is outside the public id space")
        left, right = internal >> _HALF, internal & _MASK
        for i in range(_ROUNDS):
            left, right = right, left ^ self._f(i, right)
        return BASE + ((left << _HALF) | right)

    def decode(self, public: int) -> int | None:
        """The row id of a public id, or None when it is not one (out of range, or it maps
        to no possible row)."""
        if isinstance(public, bool) or not isinstance(public, int):
            return None
        if not BASE <= public < 2 * BASE:
            return None
        value = public - BASE
        left, right = value >> _HALF, value & _MASK
        for i in reversed(range(_ROUNDS)):
            left, right = right ^ self._f(i, left), left
        internal = (left << _HALF) | right
        return internal if internal > 0 else None

    def ref(self, public: int) -> Ref:
        """A path or body id as a Ref: its row id, or 0 (no row has it) when it is not one."""
        return Ref(self.decode(public) or 0, public)

    # --- cursors --------------------------------------------------------------------------

    def cursor(self, first: int, second: int = 0) -> str:
        """An opaque cursor for two numbers below 2**64: 22 characters, one AES block."""
        block = first.to_bytes(8, "big") + second.to_bytes(8, "big")
        enc = Cipher(self._aes, modes.ECB()).encryptor()  # one block: a keyed permutation
        return base64.urlsafe_b64encode(enc.update(block) + enc.finalize()).decode().rstrip("=")

    def uncursor(self, cursor: str) -> tuple[int, int] | None:
        """The numbers of a cursor: any 22 base64url characters are one (the definition's
        pattern), so a cursor this API did not make is a place too, most likely past the
        end (an empty page), as a cursor forged before was; None for anything else."""
        if not _CURSOR.fullmatch(cursor):
            return None
        try:
            raw = base64.urlsafe_b64decode(cursor + "==")
        except (ValueError, binascii.Error):
            return None
        dec = Cipher(self._aes, modes.ECB()).decryptor()
        block = dec.update(raw[:16]) + dec.finalize()
        return int.from_bytes(block[:8], "big"), int.from_bytes(block[8:], "big")

    # --- whole documents ------------------------------------------------------------------

    def publish(self, value, key: object = None):
        """`value` (decoded JSON) with every row id made public: integers in `id` and `*_id`
        fields, and the numeric segments of our own paths (under `links`, in `*_url` fields that
        start with /, in a Location header)."""
        if isinstance(value, dict):
            if key == "links":
                return {
                    k: self.publish_path(v) if isinstance(v, str) else v for k, v in value.items()
                }
            return {k: self.publish(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [self.publish(v, key) for v in value]
        if is_id_field(key) and isinstance(value, int) and not isinstance(value, bool):
            return self.encode(value) if 0 < value < BASE else value
        if isinstance(key, str) and key.endswith("_url") and isinstance(value, str):
            return self.publish_path(value)  # errors_url: /v1/packets/17/errors
        if key == "detail" and isinstance(value, str):  # "campaign 17 is draft" from the library
            return _NAMED.sub(lambda m: f"{m.group(1)} {self._public_text(m.group(2))}", value)
        return value

    def _public_text(self, digits: str) -> str:
        number = int(digits)
        return str(self.encode(number)) if 0 < number < BASE else digits

    def publish_path(self, path: str) -> str:
        """/v1/packets/17/errors -> /v1/packets/<public>/errors."""
        if not path.startswith("/"):
            return path
        return _SEGMENT.sub(lambda m: str(self.encode(int(m.group(1)))), path)

    def internal(self, value, key: object = None):
        """A request body with every id field's public id read back (Ref; 0 when not one)."""
        if isinstance(value, dict):
            return {k: self.internal(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [self.internal(v, key) for v in value]
        if is_id_field(key) and isinstance(value, int) and not isinstance(value, bool):
            return self.ref(value)
        return value
