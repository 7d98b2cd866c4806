"""Sending control for on-call and the console: pause and resume sending, replay dead
messages, drain a worker, and the queue's health."""

from __future__ import annotations

import getpass
import socket
from datetime import datetime

import psycopg

from app_service import campaigns
from app_service.db import one, rows
from app_service.queries import Q

SCOPES = ("all", "sms", "email")


def operator() -> str:
    return f"{getpass.getuser()}@{socket.gethostname()}"


def pause(conn: psycopg.Connection, scope: str, reason: str) -> None:
    """Stop claiming messages of `scope` (all, sms, email) at once, for every worker."""
    if scope not in SCOPES:
        raise ValueError(f"scope must be one of {', '.join(SCOPES)}")
    conn.execute(Q.pause_sending, {"scope": scope, "reason": reason, "by": operator()})


def resume(conn: psycopg.Connection, scope: str) -> bool:
    """False when `scope` was not paused."""
    return bool(rows(conn, Q.resume_sending, {"scope": scope}))


def pause_campaign(conn: psycopg.Connection, campaign_id: int) -> str:
    return campaigns.set_status(conn, campaign_id, "paused")


def resume_campaign(conn: psycopg.Connection, campaign_id: int) -> str:
    return campaigns.set_status(conn, campaign_id, "active")


def pauses(conn: psycopg.Connection) -> list[dict]:
    return rows(conn, Q.sending_pauses)


def replay_dead(
    conn: psycopg.Connection,
    *,
    campaign_id: int | None = None,
    since: datetime | None = None,
    error: str | None = None,
    dry_run: bool = True,
) -> int:
    params = {"campaign_id": campaign_id, "since": since, "error": error, "dry_run": dry_run}
    return int(one(conn, Q.replay_dead, params)[0])


def health(conn: psycopg.Connection) -> dict:
    return rows(conn, Q.queue_health)[0]


def workers(conn: psycopg.Connection) -> list[dict]:
    return rows(conn, Q.list_workers)


def drain(conn: psycopg.Connection, worker: str) -> bool:
    """Ask one worker to stop at its next heartbeat; False when no such running worker."""
    return bool(rows(conn, Q.request_drain, {"worker": worker}))


def pause_list(conn: psycopg.Connection) -> list[dict]:
    """The pauses in force, for the console's health page."""
    return rows(conn, Q.sending_pause_list)
