"""Migrations: applied once, in order, each in a transaction; changed files refused."""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import psycopg
import pytest

from app_service import PROJECT_ROOT, migrate


@pytest.fixture
def dirs(tmp_path: Path) -> tuple[Path, Path]:
    m, r = tmp_path / "migrations", tmp_path / "procedures"
    m.mkdir()
    r.mkdir()
    (m / "0001_first.sql").write_text("CREATE TABLE t1 (id int PRIMARY KEY);")
    (m / "0002_second.sql").write_text("ALTER TABLE t1 ADD COLUMN name text;")
    (r / "010_fn.sql").write_text(
        "CREATE OR REPLACE FUNCTION answer() RETURNS int LANGUAGE sql AS 'SELECT 42';"
    )
    return m, r


def run(url: str, dirs: tuple[Path, Path]) -> migrate.MigrationReport:
    return migrate.migrate(url, migrations_dir=dirs[0], routines_dir=dirs[1])


@pytest.fixture
def empty_url(server_url: str) -> str:
    from psycopg import sql
    from psycopg.conninfo import make_conninfo

    name = f"migrate_scratch_{os.getpid()}"  # per test process: DATABASE_URL may be shared
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return make_conninfo(server_url, dbname=name)


def test_applies_in_order_and_rerun_is_a_no_op(empty_url, dirs):
    first = run(empty_url, dirs)
    assert first.applied == ["0001_first.sql", "0002_second.sql"]
    assert first.routines == ["010_fn.sql"]
    again = run(empty_url, dirs)
    assert not again.changed
    with psycopg.connect(empty_url) as conn:
        assert conn.execute("SELECT answer()").fetchone() == (42,)
        assert conn.execute("SELECT count(*) FROM schema_migrations").fetchone() == (2,)
        assert migrate.pending(conn, migrations_dir=dirs[0], routines_dir=dirs[1]) == []


def test_changed_applied_migration_is_refused(empty_url, dirs):
    run(empty_url, dirs)
    (dirs[0] / "0001_first.sql").write_text("CREATE TABLE t1 (id bigint PRIMARY KEY);")
    with pytest.raises(
        migrate.MigrationError, match=r"0001_first\.sql changed after it was applied"
    ):
        run(empty_url, dirs)


def test_missing_applied_migration_is_refused(empty_url, dirs):
    run(empty_url, dirs)
    (dirs[0] / "0002_second.sql").unlink()
    with pytest.raises(migrate.MigrationError, match=r"0002_second\.sql is missing"):
        run(empty_url, dirs)


def test_changed_routine_is_reapplied(empty_url, dirs):
    run(empty_url, dirs)
    (dirs[1] / "010_fn.sql").write_text(
        "CREATE OR REPLACE FUNCTION answer() RETURNS int LANGUAGE sql AS 'SELECT 43';"
    )
    with psycopg.connect(empty_url) as conn:
        assert migrate.pending(conn, migrations_dir=dirs[0], routines_dir=dirs[1]) == ["010_fn.sql"]
    assert run(empty_url, dirs).routines == ["010_fn.sql"]
    with psycopg.connect(empty_url) as conn:
        assert conn.execute("SELECT answer()").fetchone() == (43,)


def test_failing_migration_leaves_nothing_behind(empty_url, dirs):
    (dirs[0] / "0003_broken.sql").write_text("CREATE TABLE t3 (id int); SELECT no_such_function();")
    with pytest.raises(psycopg.errors.UndefinedFunction):
        run(empty_url, dirs)
    with psycopg.connect(empty_url) as conn:
        assert conn.execute("SELECT to_regclass('t3')").fetchone() == (None,)
        versions = [v for (v,) in conn.execute("SELECT version FROM schema_migrations ORDER BY 1")]
        assert versions == [1, 2]  # the good ones before it stay applied


def test_badly_named_file_is_refused(empty_url, dirs):
    (dirs[0] / "3_oops.sql").write_text("SELECT 1;")
    with pytest.raises(migrate.MigrationError, match=r"NNNN_name\.sql"):
        run(empty_url, dirs)


def test_concurrent_runners_apply_each_migration_once(empty_url, dirs):
    reports, errors = [], []

    def worker():
        try:
            reports.append(run(empty_url, dirs))
        except Exception as exc:  # pragma: no cover - the assertion below shows it
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(len(r.applied) for r in reports) == [0, 0, 0, 2]


def test_project_schema_is_current_after_migrate(template_url):
    with psycopg.connect(template_url) as conn:
        assert migrate.pending(conn) == []


def test_project_migrations_are_numbered_without_gaps():
    versions = [int(f.key) for f in migrate.migration_files()]
    assert versions == list(range(1, len(versions) + 1))


def test_generated_phone_regions_match_the_generator(tmp_path):
    """db/procedures/010_phone_regions.sql is what the generator writes from phonenumbers."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "gen", PROJECT_ROOT / "db" / "tools" / "gen_phone_regions.py"
    )
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    committed = gen.OUT.read_text()
    gen.OUT = tmp_path / "out.sql"
    gen.main()
    assert gen.OUT.read_text() == committed, "rerun db/tools/gen_phone_regions.py"
    shutil.rmtree(tmp_path)


def test_0028_keeps_the_hours_only_the_campaign_wide_rollup_had(empty_url, tmp_path):
    """A campaign archived before 0026 had hours only in campaign_hourly_counts: dropping the
    table keeps them (as location 0), and a campaign whose locations already hold its hours
    gets nothing twice."""
    from datetime import UTC, datetime, timedelta

    from app_service import reports
    from tests.helpers import make_campaign

    before = tmp_path / "migrations"
    before.mkdir()
    for f in migrate.migration_files():
        if int(f.key) < 28:
            shutil.copy(f.path, before / f.path.name)
    migrate.migrate(empty_url, migrations_dir=before)
    hour = datetime(2026, 11, 2, 15, tzinfo=UTC)
    with psycopg.connect(empty_url, autocommit=True) as conn:
        from app_service import campaigns

        account = campaigns.create_account(conn, "Clinic", timezone="UTC")
        archived, live = make_campaign(conn, account), make_campaign(conn, account)
        for campaign, metric, n in (
            (archived, "sent", 40),
            (archived, "reply", 7),
            (live, "sent", 9),
        ):
            conn.execute(
                "INSERT INTO campaign_hourly_counts (campaign_id, hour, metric, slot, n)"
                " VALUES (%s, %s, %s, 0, %s)",
                [campaign, hour, metric, n],
            )
        # the live campaign's hour is already kept by its two locations (5 + 4)
        for location, n in ((1, 5), (2, 4)):
            conn.execute(
                "INSERT INTO campaign_location_hourly_counts"
                " (campaign_id, location_id, hour, metric, slot, n) VALUES (%s, %s, %s, 'sent', 0, %s)",
                [live, location, hour, n],
            )

    migrate.migrate(empty_url)

    with psycopg.connect(empty_url, autocommit=True) as conn:
        assert conn.execute("SELECT to_regclass('campaign_hourly_counts')").fetchone() == (None,)

        def series(campaign: int) -> list[tuple]:
            points = reports.timeseries(
                conn, campaign, "hour", hour - timedelta(hours=1), hour + timedelta(hours=1)
            )
            return [(p["bucket"], p["sent"], p["responses"]) for p in points]

        assert series(archived) == [(hour, 40, 7)]
        assert series(live) == [(hour, 9, 0)]
