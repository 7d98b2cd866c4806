"""Mail to people (invitations, password resets), sent by the worker through SES in AWS. In
development nothing is sent: the mail stays in the local mailbox (`reminderly user mail`).
A failed send is retried on the next pass, up to MAX_ATTEMPTS, with the error kept."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import psycopg
from botocore.exceptions import BotoCoreError, ClientError

from app_service import db
from app_service.db import rows
from app_service.queries import Q

log = logging.getLogger("reminderly.staff_mail")
MAX_ATTEMPTS = 10

Send = Callable[[str, str, str], None]
"""send(recipient, subject, body); raises on failure."""


def ses_sender(client, from_address: str, configuration_set: str | None) -> Send:
    def send(recipient: str, subject: str, body: str) -> None:
        extra = {"ConfigurationSetName": configuration_set} if configuration_set else {}
        client.send_email(
            FromEmailAddress=from_address,
            Destination={"ToAddresses": [recipient]},
            Content={
                "Simple": {
                    "Subject": {"Data": subject, "Charset": "UTF-8"},
                    "Body": {"Text": {"Data": body, "Charset": "UTF-8"}},
                }
            },
            EmailTags=[{"Name": "kind", "Value": "staff"}],
            **extra,
        )

    return send


def send_pending(conn: psycopg.Connection, send: Send, limit: int = 20) -> tuple[int, int]:
    """One pass: (sent, failed). Each mail is marked in the transaction that claimed it."""
    sent = failed = 0
    with conn.transaction():
        for mail in rows(conn, Q.staff_mail_claim, {"limit": limit, "max_attempts": MAX_ATTEMPTS}):
            try:
                send(mail["recipient"], mail["subject"], mail["body"])
            except (ClientError, BotoCoreError) as exc:
                code = (
                    getattr(exc, "response", {}).get("Error", {}).get("Code") or type(exc).__name__
                )
                conn.execute(Q.staff_mail_failed, {"id": mail["id"], "error": str(code)[:200]})
                log.warning("staff mail %s not sent: %s", mail["id"], code)  # no address logged
                failed += 1
                continue
            conn.execute(Q.staff_mail_sent, {"id": mail["id"]})
            sent += 1
    return sent, failed


class StaffMailer(threading.Thread):
    """The worker's thread for staff mail: a pass every `every` seconds until stopped."""

    def __init__(self, url: str, send: Send, every: float = 5.0):
        super().__init__(name="staff-mail", daemon=True)
        self._url, self._send, self._every = url, send, every
        self._halt = threading.Event()

    def stop(self) -> None:
        self._halt.set()

    def run(self) -> None:
        while not self._halt.is_set():
            try:
                with db.connect(self._url, autocommit=True) as conn:
                    while not self._halt.is_set():
                        send_pending(conn, self._send)
                        self._halt.wait(self._every)
            except psycopg.OperationalError as exc:
                log.warning("staff mail: database unavailable (%s)", type(exc).__name__)
                self._halt.wait(self._every)
            except Exception:  # the thread outlives any one failure
                log.exception("staff mail: a pass failed")
                self._halt.wait(self._every)
