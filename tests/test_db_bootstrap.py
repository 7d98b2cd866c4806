"""`reminderly db bootstrap` on a new PostgreSQL cluster, as on a new RDS instance: the owner
created by the master user, the migrations applied as the owner, the logins' first passwords
from their secrets; run again (as every stack update may), it never undoes a rotation."""

from __future__ import annotations

import tempfile
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner
from psycopg.conninfo import make_conninfo

from app_service import embedded
from app_service.cli import main

ROLES = ("reminderly_owner", "reminderly_api_login", "reminderly_worker_login")
PASSWORDS = {
    "REMINDERLY_OWNER_PASSWORD": "owner-first",
    "REMINDERLY_API_LOGIN_PASSWORD": "api-first",
    "REMINDERLY_WORKER_LOGIN_PASSWORD": "worker-first",
}


@pytest.fixture(scope="module")
def new_cluster():
    """A cluster of its own (roles are cluster-wide), with password logins for the roles."""
    folder = Path(tempfile.mkdtemp(prefix="reminderly-bootstrap-"))
    url = embedded.start(folder / "pgdata", keep_running=False)
    with psycopg.connect(url, autocommit=True) as admin:
        hba = Path(admin.execute("SHOW hba_file").fetchone()[0])
        hba.write_text("".join(f"local all {r} scram-sha-256\n" for r in ROLES) + hba.read_text())
        admin.execute("SELECT pg_reload_conf()")
    return url  # stopped and deleted when the test process exits, like the suite's server


def _login(url: str, role: str, password: str) -> psycopg.Connection:
    return psycopg.connect(make_conninfo(url, user=role, password=password), autocommit=True)


def _run(url: str, env: dict[str, str]):
    return CliRunner().invoke(main, ["db", "bootstrap"], env={"DATABASE_URL": url, **env})


def test_bootstrap_then_again_after_a_rotation(new_cluster):
    first = _run(new_cluster, PASSWORDS)
    assert first.exit_code == 0, first.output
    assert "created reminderly_owner" in first.output
    assert "applied 0017_service_logins.sql" in first.output
    for role in ROLES:
        assert f"first password set for {role}" in first.output
    with _login(new_cluster, "reminderly_owner", "owner-first") as owner:
        others = owner.execute(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND pg_get_userbyid(c.relowner) <> 'reminderly_owner'"
        ).fetchone()
        assert others == (0,)  # the owner owns the schema, not the master user
        assert owner.execute(
            "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()"
        ).fetchone() == ("reminderly_owner",)
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        _login(new_cluster, "reminderly_api_login", "wrong")
    with _login(new_cluster, "reminderly_worker_login", "worker-first") as worker:
        assert worker.execute("SELECT count(*) FROM messages").fetchone() == (0,)
    # the single-user rotation function changes the API login's password as that login
    with _login(new_cluster, "reminderly_api_login", "api-first") as api:
        api.execute("ALTER ROLE reminderly_api_login PASSWORD 'api-rotated'")
    again = _run(new_cluster, PASSWORDS)
    assert again.exit_code == 0, again.output
    assert "first password set" not in again.output and "applied" not in again.output
    _login(new_cluster, "reminderly_api_login", "api-rotated").close()  # not undone


def test_bootstrap_names_what_to_set_and_never_starts_a_database(tmp_path):
    result = CliRunner().invoke(
        main,
        ["db", "bootstrap"],
        env={
            "DATABASE_URL": "",
            "PGHOST": "",
            "REMINDERLY_DATA_DIR": str(tmp_path),
            "REMINDERLY_OWNER_PASSWORD": "x",
            "REMINDERLY_API_LOGIN_PASSWORD": "",
            "REMINDERLY_WORKER_LOGIN_PASSWORD": "",
        },
    )
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        "error: db bootstrap acts on a stage's database: set DATABASE_URL (or PGHOST and the "
        "other PG* variables), REMINDERLY_API_LOGIN_PASSWORD, REMINDERLY_WORKER_LOGIN_PASSWORD"
    ]
    assert list(tmp_path.iterdir()) == []
