"""A packet's columns are one fact kept in four places (the reader's KNOWN_COLUMNS, the
session's packet_inbox table, the COPY statement into it, the API's PacketRow schema); this
reads each from its own source, the table from PostgreSQL itself, and requires them equal."""

from __future__ import annotations

import re

import psycopg

from app_service.api.spec import bundled
from app_service.packet_source import KNOWN_COLUMNS
from app_service.queries import Q


def test_the_packet_columns_agree_everywhere(conn: psycopg.Connection) -> None:
    with conn.transaction():
        conn.execute(Q.create_packet_inbox)
        table = [
            r[0]
            for r in conn.execute(
                "SELECT attname FROM pg_attribute WHERE attrelid = 'pg_temp.packet_inbox'::regclass"
                " AND attnum > 0 AND NOT attisdropped ORDER BY attnum"
            )
        ]
    copied = [c.strip() for c in re.search(r"\(([^)]*)\)", Q.copy_packet_inbox)[1].split(",")]
    schema = list(bundled()["components"]["schemas"]["PacketRow"]["properties"])
    expected = ["row_no", *KNOWN_COLUMNS, "extra", "error_column", "error_reason"]
    assert table == expected
    assert copied == expected
    assert schema == list(KNOWN_COLUMNS)
