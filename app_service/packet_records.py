"""Packets as records: one packet's row, a campaign's packets, a packet's messages, and whether
a repeated load (the same Idempotency-Key) carries the same body as the packet it repeats.
Intake itself (validation, planning, metrics) is packets.py."""

from __future__ import annotations

import hashlib
from typing import IO

import psycopg

from app_service.db import one, rows
from app_service.models import Snapshot
from app_service.packet_source import PacketFormatError, PacketSource
from app_service.packets import load_checksum
from app_service.queries import Q


def get_packet(conn: psycopg.Connection, packet_id: int) -> dict | None:
    found = rows(conn, Q.get_packet, {"packet_id": packet_id})
    return found[0] if found else None


def list_packets(conn: psycopg.Connection, campaign_id: int, after: int, limit: int) -> list:
    return rows(conn, Q.list_packets, {"campaign_id": campaign_id, "after": after, "limit": limit})


def packet_messages(conn: psycopg.Connection, packet_id: int, after: int, limit: int) -> list:
    return rows(
        conn, Q.messages_of_packet, {"packet_id": packet_id, "after": after, "limit": limit}
    )


def _stored_checksum(conn: psycopg.Connection, packet_id: int) -> bytes:
    return bytes(one(conn, Q.packet_checksum, {"packet_id": packet_id})[0] or b"")


def same_load(
    conn: psycopg.Connection, packet_id: int, source: PacketSource, snapshot: Snapshot | None
) -> bool:
    """A packet loaded again under its Idempotency-Key is a replay only when its content
    (and the snapshot scope it claims) is the stored packet's; reads `source` to its end."""
    try:
        for _ in source.rows():
            pass
    except PacketFormatError:
        return False
    stored = _stored_checksum(conn, packet_id)
    return source.checksum == stored or load_checksum(source, snapshot) == stored


def same_upload(existing: dict, stream: IO[bytes]) -> bool:
    """The same for a body stored for background loading: its SHA-256 against the stored
    upload's."""
    digest = hashlib.sha256()
    while chunk := stream.read(1 << 20):
        digest.update(chunk)
    stored = existing["upload_checksum"]
    return stored is not None and bytes(stored) == digest.digest()


def recent_packets(conn: psycopg.Connection, campaign_id: int, limit: int = 50) -> list[dict]:
    return rows(conn, Q.recent_packets, {"campaign_id": campaign_id, "limit": limit})


def save_draft(conn: psycopg.Connection, campaign_id: int, filename: str, body: bytes) -> int:
    """Keep a checked upload until the operator confirms or drops it; returns its id."""
    params = {"campaign_id": campaign_id, "filename": filename, "body": body}
    return rows(conn, Q.create_packet_draft, params)[0]["id"]


def take_draft(conn: psycopg.Connection, draft_id: int, campaign_id: int) -> dict | None:
    """The draft (filename, body), removed: a draft is loaded or dropped once."""
    found = rows(conn, Q.take_packet_draft, {"id": draft_id, "campaign_id": campaign_id})
    return found[0] if found else None
