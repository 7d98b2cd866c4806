"""Per-account SMS sender identities: the origination an account sends from and the numbers
its customers reply to. Set by platform operators (the CLI), never by a tenant: a tenant that
could claim a number could read another tenant's replies."""

from __future__ import annotations

import re

import psycopg

from app_service.db import rows
from app_service.queries import Q

_NUMBER = re.compile(r"^\+[1-9][0-9]{6,14}$")
_ORIGINATION = re.compile(r"^[A-Za-z0-9_:/.+-]{1,256}$")


class InvalidSender(ValueError):
    """An origination identity or reply number that cannot be used."""


def set_sms_sender(
    conn: psycopg.Connection, account_id: int, origination: str | None, numbers: list[str]
) -> None:
    """The account sends SMS from `origination` (a number or a pool; None: the shared one)
    and owns `numbers` (E.164), which route replies and STOPs to it alone."""
    if origination is not None and not _ORIGINATION.match(origination):
        raise InvalidSender("the origination must be a phone number, pool id or ARN")
    for number in numbers:
        if not _NUMBER.match(number):
            raise InvalidSender(f"{number!r} is not an E.164 phone number")
    with conn.transaction():
        if not rows(conn, Q.set_sms_sender, {"account_id": account_id, "origination": origination}):
            raise InvalidSender(f"account {account_id} does not exist")
        for number in numbers:
            rows(conn, Q.add_sms_sender_number, {"number": number, "account_id": account_id})
