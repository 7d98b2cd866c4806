"""Database credentials that survive a password rotation without a restart.

In AWS each task's login (API, worker, migrations) has its own secret, rotated every 30 days by
Secrets Manager's single-user PostgreSQL function: it puts the new password in the secret's
AWSPENDING version, changes the role's password, tests it, then moves AWSCURRENT to it.
Connections already open keep working (PostgreSQL checks a password only at login); ECS injects
PGUSER/PGPASSWORD only when a task starts, so a new connection made after a rotation would fail.

So, when a login is refused for its password, the process re-reads the secret named by
REMINDERLY_DB_SECRET_ID: AWSCURRENT, and AWSPENDING when AWSCURRENT still holds the refused
password (the rotation is between changing the role and moving the label), and connects again
at once. Every pool and connection of the process shares one `Credentials`.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from typing import Any

import psycopg

from app_service import config

log = logging.getLogger(__name__)

SECRET_ENV = "REMINDERLY_DB_SECRET_ID"
# libpq's words for a refused login (the server's message is the only signal: a failed
# connection carries no SQLSTATE to the client in psycopg)
_AUTH_FAILED = ("password authentication failed", "authentication failed for user")


def is_auth_failure(exc: BaseException) -> bool:
    """Whether a connection error is the server refusing the credentials."""
    return isinstance(exc, psycopg.OperationalError) and any(
        marker in str(exc) for marker in _AUTH_FAILED
    )


def _secrets_client() -> Any:
    import boto3

    return boto3.client("secretsmanager")


class Credentials:
    """The user and password to log in with, re-read from the secret when refused."""

    def __init__(
        self,
        secret_id: str,
        *,
        client: Callable[[], Any] = _secrets_client,
        user: str | None = None,
        password: str | None = None,
    ) -> None:
        self.secret_id = secret_id
        self._client = client
        self._lock = threading.Lock()
        self._user = user
        self._password = password
        self.refreshes = 0
        if user is None or password is None:
            self._user, self._password = self._read("AWSCURRENT")  # type: ignore[misc]

    def current(self) -> dict[str, str]:
        with self._lock:
            return {"user": self._user or "", "password": self._password or ""}

    def _read(self, stage: str) -> tuple[str, str] | None:
        try:
            value = self._client().get_secret_value(SecretId=self.secret_id, VersionStage=stage)
        except Exception as exc:  # a missing AWSPENDING is normal outside a rotation
            if stage == "AWSPENDING" and "ResourceNotFound" in type(exc).__name__ + str(exc):
                return None
            raise
        data = json.loads(value["SecretString"])
        return data["username"], data["password"]

    def refresh(self, refused: dict[str, str]) -> bool:
        """After `refused` failed to log in: take the secret's newer credentials. True when
        there are other credentials to try (possibly another thread's refresh already)."""
        with self._lock:
            if (self._user, self._password) != (refused["user"], refused["password"]):
                return True
            for stage in ("AWSCURRENT", "AWSPENDING"):
                found = self._read(stage)
                if found is not None and found != (refused["user"], refused["password"]):
                    self._user, self._password = found
                    self.refreshes += 1
                    # the fact, never the secret
                    log.warning(
                        "database login refused: credentials re-read from the secret (%s)", stage
                    )
                    return True
            return False


_SHARED: dict[str, Credentials] = {}
_SHARED_LOCK = threading.Lock()


def from_env() -> Credentials | None:
    """The process's credentials when REMINDERLY_DB_SECRET_ID is set (in AWS), else None
    (libpq reads DATABASE_URL or the PG* variables as usual). The first values are ECS's
    PGUSER/PGPASSWORD, so starting needs no call to Secrets Manager."""
    settings = config.current()
    secret_id = settings.db_secret_id
    if not secret_id:
        return None
    with _SHARED_LOCK:
        if secret_id not in _SHARED:
            _SHARED[secret_id] = Credentials(
                secret_id, user=settings.pg_user, password=settings.pg_password
            )
        return _SHARED[secret_id]


def connect_with(
    credentials: Credentials | None, connect: Callable[..., psycopg.Connection], **kwargs: Any
) -> psycopg.Connection:
    """`connect(**kwargs)` logged in with `credentials`; once more with the secret's newer
    ones when the server refuses these."""
    if credentials is None:
        return connect(**kwargs)
    used = credentials.current()
    try:
        return connect(**kwargs, **used)
    except psycopg.OperationalError as exc:
        if not is_auth_failure(exc) or not credentials.refresh(used):
            raise
    return connect(**kwargs, **credentials.current())
