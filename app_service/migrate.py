"""Schema migrations: versioned files applied once, routines re-applied when they change.

- `db/migrations/NNNN_name.sql`: applied in order, each in its own transaction, recorded with
  a SHA-256 checksum. An applied file that changed is refused: write a new migration instead.
- `db/procedures/*.sql`: functions, procedures and reference data written to be re-runnable
  (CREATE OR REPLACE). Applied after the migrations, in file order, whenever new or changed.

A session advisory lock serialises concurrent runners (several tasks starting at once).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import psycopg

from app_service import db_credentials
from app_service.resources import SQL_DIR

MIGRATIONS_DIR = SQL_DIR / "migrations"
ROUTINES_DIR = SQL_DIR / "procedures"
_LOCK_KEY = 7_241_001  # arbitrary, constant: the migration lock's advisory-lock key
_FILE = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")

_BOOKKEEPING = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version    integer PRIMARY KEY,
    name       text        NOT NULL,
    checksum   text        NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS schema_routines (
    file       text PRIMARY KEY,
    checksum   text        NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
);
"""


class MigrationError(Exception):
    """The database and db/ disagree in a way a human must resolve."""


@dataclass(frozen=True)
class SqlFile:
    key: str  # version number for migrations, file name for routines
    name: str
    path: Path

    @property
    def text(self) -> str:
        return self.path.read_text(encoding="utf-8")

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.path.read_bytes()).hexdigest()


@dataclass(frozen=True)
class MigrationReport:
    applied: list[str]
    routines: list[str]

    @property
    def changed(self) -> bool:
        return bool(self.applied or self.routines)


def migration_files(directory: Path = MIGRATIONS_DIR) -> list[SqlFile]:
    files = []
    for path in sorted(directory.glob("*.sql")):
        match = _FILE.match(path.name)
        if not match:
            raise MigrationError(f"{path.name}: migration files are named NNNN_name.sql")
        files.append(SqlFile(str(int(match.group(1))), path.name, path))
    versions = [f.key for f in files]
    if len(set(versions)) != len(versions):
        raise MigrationError("two migration files share a version number")
    return files


def routine_files(directory: Path = ROUTINES_DIR) -> list[SqlFile]:
    return [SqlFile(p.name, p.name, p) for p in sorted(directory.glob("*.sql"))]


def _check_applied(conn: psycopg.Connection, files: list[SqlFile]) -> set[str]:
    applied = {
        str(v): (name, checksum)
        for v, name, checksum in conn.execute(
            "SELECT version, name, checksum FROM schema_migrations ORDER BY version"
        )
    }
    by_version = {f.key: f for f in files}
    for version, (name, checksum) in applied.items():
        current = by_version.get(version)
        if current is None:
            raise MigrationError(f"applied migration {name} is missing from db/migrations")
        if current.checksum != checksum:
            raise MigrationError(
                f"migration {name} changed after it was applied "
                f"(recorded sha256 {checksum[:12]}, file {current.checksum[:12]}); "
                "restore the file and write a new migration instead"
            )
    return set(applied)


def pending(
    conn: psycopg.Connection,
    *,
    migrations_dir: Path = MIGRATIONS_DIR,
    routines_dir: Path = ROUTINES_DIR,
) -> list[str]:
    """Names of migrations and routines not yet applied; [] when the schema is current.
    Raises MigrationError when an applied migration changed or went missing."""
    (has_table,) = conn.execute("SELECT to_regclass('schema_migrations') IS NOT NULL").fetchone()
    files = migration_files(migrations_dir)
    if not has_table:
        return [f.name for f in files] + [f.name for f in routine_files(routines_dir)]
    applied = _check_applied(conn, files)
    routines = dict(conn.execute("SELECT file, checksum FROM schema_routines").fetchall())
    return [f.name for f in files if f.key not in applied] + [
        f.name for f in routine_files(routines_dir) if routines.get(f.key) != f.checksum
    ]


def migrate(
    url: str, *, migrations_dir: Path = MIGRATIONS_DIR, routines_dir: Path = ROUTINES_DIR
) -> MigrationReport:
    """Bring the database at `url` to the schema in db/; a no-op when it is current."""
    # the migrations' own login in AWS, with its rotating secret (db_credentials)
    credentials = db_credentials.from_env()
    connect = psycopg.Connection.connect
    with db_credentials.connect_with(credentials, connect, conninfo=url, autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", [_LOCK_KEY])
        try:
            conn.execute(_BOOKKEEPING)
            files = migration_files(migrations_dir)
            applied = _check_applied(conn, files)
            done = []
            for f in files:
                if f.key in applied:
                    continue
                with conn.transaction():
                    conn.execute(f.text)
                    conn.execute(
                        "INSERT INTO schema_migrations (version, name, checksum) VALUES (%s,%s,%s)",
                        [int(f.key), f.name, f.checksum],
                    )
                done.append(f.name)
            routines = dict(conn.execute("SELECT file, checksum FROM schema_routines").fetchall())
            redone = []
            for f in routine_files(routines_dir):
                if routines.get(f.key) == f.checksum:
                    continue
                with conn.transaction():
                    conn.execute(f.text)
                    conn.execute(
                        "INSERT INTO schema_routines (file, checksum) VALUES (%s,%s) "
                        "ON CONFLICT (file) DO UPDATE SET checksum = excluded.checksum, "
                        "applied_at = now()",
                        [f.key, f.checksum],
                    )
                redone.append(f.name)
            return MigrationReport(done, redone)
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", [_LOCK_KEY])
