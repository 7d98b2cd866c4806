"""The service logins of migration 0017: what they may do and what they may not.

The API and worker processes of tests/test_api_server.py (gunicorn, schemathesis over every
operation), tests/test_worker.py (worker processes) and tests/test_credential_rotation.py log
in as these roles, so the grants are also proven sufficient there."""

from __future__ import annotations

import psycopg
import pytest
from psycopg.conninfo import make_conninfo

from app_service import api_keys, campaigns

LOGINS = ("reminderly_api_login", "reminderly_worker_login")


def _as(db_url: str, role: str) -> psycopg.Connection:
    return psycopg.connect(make_conninfo(db_url, user=role), autocommit=True)


def test_the_logins_are_neither_superusers_nor_owners(conn):
    attrs = conn.execute(
        "SELECT rolname, rolsuper, rolcreaterole, rolcreatedb, rolbypassrls, rolcanlogin FROM pg_roles "
        "WHERE rolname IN ('reminderly_owner', 'reminderly_api_login', 'reminderly_worker_login') ORDER BY 1"
    ).fetchall()
    assert attrs == [
        ("reminderly_api_login", False, False, False, False, True),
        ("reminderly_owner", False, True, False, False, True),
        ("reminderly_worker_login", False, False, False, False, True),
    ]
    (owned,) = conn.execute(
        "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'public' AND pg_get_userbyid(c.relowner) = ANY(%s)",
        [list(LOGINS)],
    ).fetchone()
    assert owned == 0


@pytest.mark.parametrize("role", LOGINS)
@pytest.mark.parametrize(
    "statement",
    [
        "CREATE TABLE intruder (id int)",
        "ALTER TABLE messages DISABLE ROW LEVEL SECURITY",
        "ALTER TABLE messages ADD COLUMN x int",
        "DROP TABLE outbox",
        "TRUNCATE messages",
        "CREATE ROLE intruder",
        "CREATE FUNCTION intruder() RETURNS int LANGUAGE sql AS 'SELECT 1'",
        "ALTER TABLE accounts DISABLE TRIGGER ALL",
        "SET session_replication_role = replica",
        "DELETE FROM schema_migrations WHERE false; ALTER TABLE schema_migrations OWNER TO CURRENT_USER",
    ],
)
def test_the_logins_change_rows_never_structure(db_url, role, statement):
    with _as(db_url, role) as c, pytest.raises(psycopg.errors.InsufficientPrivilege):
        c.execute(statement)


def test_the_api_login_is_isolated_once_it_becomes_a_tenant(db_url, conn):
    a = campaigns.create_account(conn, "A", default_country="US", timezone="America/Chicago")
    b = campaigns.create_account(conn, "B", default_country="US", timezone="America/Chicago")
    key = api_keys.create_key(conn, a, "k", ["read"])
    prefix = key.token.split("_")[1]
    with _as(db_url, "reminderly_api_login") as c:
        # as itself (a key's lookup, account creation by an operator): every account
        assert {r[0] for r in c.execute("SELECT id FROM accounts")} >= {a, b}
        assert c.execute(
            "SELECT count(*) FROM api_keys WHERE prefix = %s", [prefix]
        ).fetchone() == (1,)
        # as the key's tenant: its own account only
        c.execute(
            "SELECT set_config('role', 'reminderly_api', false), set_config('reminderly.account_id', %s, false)",
            [str(a)],
        )
        assert [r[0] for r in c.execute("SELECT id FROM accounts")] == [a]
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            c.execute("SELECT count(*) FROM outbox")


def test_the_worker_login_cannot_become_a_tenant_or_another_login(db_url):
    with _as(db_url, "reminderly_worker_login") as c:
        for role in ("reminderly_api", "reminderly_api_login", "reminderly_owner"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                c.execute(f"SET ROLE {role}")


def test_every_table_with_row_security_admits_the_service_logins(conn):
    """A later migration that turns row-level security on must add the service logins'
    policy too, or the API and worker would silently see no rows of that table."""
    missing = conn.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'public' AND c.relrowsecurity AND NOT EXISTS ("
        "  SELECT FROM pg_policies p WHERE p.tablename = c.relname AND p.policyname = 'service_logins')"
    ).fetchall()
    assert missing == []


def test_every_table_and_sequence_is_granted_to_both_logins(conn):
    """Tables added by a later migration get the grants by default privileges."""
    conn.execute("CREATE TABLE later_table (id bigserial PRIMARY KEY)")
    for role in LOGINS:
        missing = conn.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relname <> 'audit_log' AND CASE WHEN c.relkind = 'S' THEN NOT has_sequence_privilege(%(r)s, c.oid, 'USAGE') "
            "WHEN c.relkind IN ('r', 'p') THEN NOT (has_table_privilege(%(r)s, c.oid, 'SELECT') AND "
            "has_table_privilege(%(r)s, c.oid, 'INSERT') AND has_table_privilege(%(r)s, c.oid, 'UPDATE') AND "
            "has_table_privilege(%(r)s, c.oid, 'DELETE')) ELSE false END",
            {"r": role},
        ).fetchall()
        assert missing == [], role
        # the one deliberate exception: the audit log is append-only for the logins too
        may = conn.execute(
            "SELECT has_table_privilege(%(r)s, 'audit_log', 'INSERT'), "
            "has_table_privilege(%(r)s, 'audit_log', 'UPDATE'), "
            "has_table_privilege(%(r)s, 'audit_log', 'DELETE')",
            {"r": role},
        ).fetchone()
        assert may == (True, False, False), role
