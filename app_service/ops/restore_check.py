"""What a restored database is checked by: every checked table's row count and content
checksum, and its newest write. `reminderly dr drill` verifies the instance it restores in AWS
with these, and the local drill (tools/local_drill.py) its local restores, so both compare the
same things."""

from __future__ import annotations

from datetime import datetime

import psycopg

CHECKED_TABLES = (
    "accounts",
    "customers",
    "campaigns",
    "campaign_steps",
    "packets",
    "packet_rows",
    "appointments",
    "messages",
    "message_events",
    "consent_events",
    "campaign_message_counts",
    "packet_message_counts",
)


def table_state(url: str) -> dict[str, tuple[int, str]]:
    """Row count and an order-independent content checksum of every checked table."""
    with psycopg.connect(url) as conn:
        return {
            t: conn.execute(
                f"SELECT count(*), md5(coalesce(string_agg(x.r, '|' ORDER BY x.r), '')) "
                f"FROM (SELECT t::text AS r FROM {t} t) x"
            ).fetchone()
            for t in CHECKED_TABLES
        }


def latest_write(url: str) -> datetime:
    """The newest write the database holds: messages updated, packets received, and the
    workers' heartbeats (a write every few seconds, also on an idle system: what the primary
    publishes as its newest write for the drill, app_service/ops/write_marker.py)."""
    with psycopg.connect(url) as conn:
        return conn.execute(
            "SELECT greatest((SELECT max(updated_at) FROM messages), (SELECT max(received_at) FROM packets),"
            " (SELECT max(beat_at) FROM worker_heartbeats))"
        ).fetchone()[0]
