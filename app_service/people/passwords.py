"""Passwords to OWASP ASVS level 2: argon2id hashes, no composition rules, 8 to 128 characters
(so a 64-character passphrase fits), refused when it is a common password."""

from __future__ import annotations

import unicodedata
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 8
MAX_LENGTH = 128

_HASHER = PasswordHasher()  # argon2id with the library's RFC 9106 "low memory" parameters
_DUMMY = _HASHER.hash("not a real password: evens out the timing of unknown emails")


class WeakPassword(ValueError):
    """The reason is shown to the person choosing the password."""


@cache
def _common() -> frozenset[str]:
    # zxcvbn's list of the 30,000 most common passwords from public breaches
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def normalise(password: str) -> str:
    """NFKC, as ASVS asks, so the same passphrase typed on two keyboards matches."""
    return unicodedata.normalize("NFKC", password)


def check_new(password: str, *, email: str = "") -> None:
    """Refuse a password that is too short, too long, common, or the email itself."""
    pw = normalise(password)
    if len(pw) < MIN_LENGTH:
        raise WeakPassword(f"use at least {MIN_LENGTH} characters")
    if len(pw) > MAX_LENGTH:
        raise WeakPassword(f"use at most {MAX_LENGTH} characters")
    if pw.lower() in _common() or (
        email and pw.lower() in {email.lower(), email.split("@")[0].lower()}
    ):
        raise WeakPassword("this password is among the most common ones; choose another")


def hash_password(password: str) -> str:
    return _HASHER.hash(normalise(password))


def verify(stored_hash: str | None, password: str) -> bool:
    """Constant work whether or not the user exists (a dummy hash stands in)."""
    try:
        return _HASHER.verify(
            stored_hash or _DUMMY, normalise(password)[: MAX_LENGTH * 4]
        ) and bool(stored_hash)
    except (VerificationError, InvalidHashError):
        return False
