"""Second factors: TOTP (RFC 6238 via pyotp), with each code usable once, and single-use
recovery codes. The TOTP secret is stored encrypted (Fernet, a key derived from the
deployment's link secret), so a database dump alone does not yield working codes."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time

import pyotp
from cryptography.fernet import Fernet, InvalidToken

ISSUER = "reminderly"
RECOVERY_CODES = 10


def _fernet(link_secret: str) -> Fernet:
    key = hmac.new(link_secret.encode(), b"reminderly-totp-secret", hashlib.sha256).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def new_secret() -> str:
    return pyotp.random_base32()  # 160 bits, as RFC 4226 recommends


def seal(link_secret: str, secret: str) -> str:
    return _fernet(link_secret).encrypt(secret.encode()).decode()


def unseal(link_secret: str, sealed: str) -> str | None:
    try:
        return _fernet(link_secret).decrypt(sealed.encode()).decode()
    except (InvalidToken, ValueError):
        return None


def provisioning_uri(secret: str, email: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def matching_step(secret: str, code: str, *, now: float | None = None) -> int | None:
    """The 30-second time step the code belongs to (current one, or one either side for clock
    drift), or None. The caller accepts a step only if it is newer than the last accepted."""
    code = "".join(code.split())
    if not (code.isascii() and code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    t = time.time() if now is None else now
    current = int(t // totp.interval)
    for step in (current, current - 1, current + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def new_recovery_codes() -> list[str]:
    """Ten codes of 80 bits each, shown once, grouped for reading aloud."""
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = base64.b32encode(secrets.token_bytes(10)).decode().lower()
        codes.append(f"{raw[:4]}-{raw[4:8]}-{raw[8:12]}-{raw[12:16]}")
    return codes


def code_hash(code: str) -> str:
    return hashlib.sha256("".join(code.lower().split()).replace("-", "").encode()).hexdigest()
