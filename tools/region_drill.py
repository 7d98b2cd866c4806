"""The local cross-region drill (a CI harness: tests/test_region_drill.py, tools/dr_drill.py): a worker killed mid-batch, the region lost, a failover to the
DR replica, and every message sent exactly once across it.

Three parts on local PostgreSQL clusters, as in AWS: the primary (the primary region's
database), its streaming replica (prod's cross-region read replica), and the provider (SES or
End User Messaging, outside both regions): an append-only log of every send it accepted, with
no deduplication, so a second send of a message would show.

The run: load a packet and make messages due; start a worker process against the primary
whose sends take `delay` seconds each (the provider records a send halfway through); kill -9 it
once the provider holds `kill_after` sends and the worker is mid-batch (sends handed over,
two or more still to go before it records them); wait until the replica has
replayed the primary's last WAL (the replica's lag at the loss, measured); lose the region (the
primary crashes, its data is destroyed); promote the replica; run a worker against it (the DR
side) until nothing is pending. Then: no message reached the provider twice; every due message
is sent or `send_outcome_unknown`; exactly the messages whose send marker the dead worker had
committed are unknown (those never handed over are reported: markers are committed per group).

What it does not cover: a region lost while the replica lags. A send marker written in the
last lag window is lost with the region, so the DR side may send that message again: exactly
once across regions holds for what the replica received (prod's replica-lag-high watches it).
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg

from app_service import campaigns, migrate, packets
from app_service.models import CampaignSpec, Step
from app_service.packet_source import csv_source
from app_service.queries import Q
from app_service.worker.channels.base import OutgoingMessage, SendResult
from tools.local_drill import Cluster, _give, _run

CHECKOUT = Path(__file__).resolve().parents[1]
ZONE = ZoneInfo("America/Chicago")
LINK_SECRET = "local-region-drill-link-secret"  # the drill's messages link nowhere real


class ProviderLog:
    """The provider's side: each accepted send appended as one line (O_APPEND: whole lines
    even from several processes); a send takes `delay` seconds, the provider holding the
    message from halfway through."""

    name = "sms"
    sender = "drill-provider"

    def __init__(self, path: Path, delay: float = 0.0) -> None:
        self.path, self.delay = path, delay

    def send(self, message: OutgoingMessage) -> SendResult:
        time.sleep(self.delay / 2)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, f"{message.message_id}\n".encode())
        finally:
            os.close(fd)
        time.sleep(self.delay / 2)
        return SendResult(provider_message_id=f"drill-{message.message_id}")

    def sends(self) -> Counter[int]:
        if not self.path.exists():
            return Counter()
        return Counter(int(line) for line in self.path.read_text().split())


def _worker(url: str, provider: ProviderLog, *, lease: float, name: str):
    from app_service import db
    from app_service.worker.runner import Worker, WorkerSettings

    pool = db.open_pool(url, max_size=4)
    settings = WorkerSettings(
        batch=10,
        lease=timedelta(seconds=lease),
        tick_seconds=0.2,
        idle_sleep_seconds=0.1,
        link_secret=LINK_SECRET,
    )
    return Worker(pool, {"sms": provider}, settings, name=name, emit_metrics=None), pool


@dataclass
class FailoverResult:
    messages_due: int = 0
    provider_sends_at_kill: int = 0
    in_flight_at_kill: list[int] = field(default_factory=list)
    replica_catch_up_seconds: float = 0.0
    promote_seconds: float = 0.0
    sent_twice: list[int] = field(default_factory=list)
    unknown: list[int] = field(default_factory=list)
    unknown_not_delivered: list[int] = field(default_factory=list)
    lost: list[int] = field(default_factory=list)
    sent_after_failover: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        # how many marked messages never reached the provider depends on the worker's marker
        # groups (runner.WorkerSettings.marker_group): reported, not bounded here
        return (
            not self.sent_twice
            and not self.lost
            and bool(self.in_flight_at_kill)
            and self.unknown == self.in_flight_at_kill
        )


def _seed(url: str, rows: int, due: int) -> list[int]:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["customer_id", "first_name", "phone", "appointment_id", "appointment_at"])
    start = datetime.now(ZONE) + timedelta(days=3)
    for n in range(1, rows + 1):
        at = (start + timedelta(minutes=n)).replace(tzinfo=None, second=0, microsecond=0)
        w.writerow(
            [f"c{n}", f"Name{n}", f"(312) 555-{n:04d}", f"a{n}", at.isoformat(timespec="minutes")]
        )
    with psycopg.connect(url, autocommit=True) as conn:
        account = campaigns.create_account(conn, "Region Drill Clinic", timezone="America/Chicago")
        campaign = campaigns.create_campaign(
            conn,
            CampaignSpec(
                account,
                "region drill reminders",
                "reminder",
                "sms",
                [Step("day before", timedelta(hours=-24), "Hi {{ first_name }}, see you tomorrow")],
                send_window_start=dtime(0, 0),
                send_window_end=dtime.max,
            ),
        )
        campaigns.set_status(conn, campaign, "active")
        packets.load_packet(conn, campaign, csv_source(io.BytesIO(out.getvalue().encode())))
        return [r[0] for r in conn.execute(Q.drill_make_due, {"n": due}).fetchall()]


def _with_checkout_on_path() -> dict[str, str]:
    """The environment for the drill's worker process: `tools` is importable from the checkout
    only (it is not installed), wherever the drill was started from."""
    path = [str(CHECKOUT), *filter(None, [os.environ.get("PYTHONPATH")])]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(path)}


def _spawn(url: str, provider: ProviderLog, lease: float) -> subprocess.Popen:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tools.region_drill",
            url,
            str(provider.path),
            str(provider.delay),
            str(lease),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=_with_checkout_on_path(),
    )
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    if line != "started":
        proc.kill()
        raise RuntimeError(f"the drill's worker did not start: {line}{proc.stdout.read()[-2000:]}")
    return proc


def _wait(predicate, timeout: float, what: str) -> float:
    started = time.monotonic()
    while not predicate():
        if time.monotonic() - started > timeout:
            raise RuntimeError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.02)
    return time.monotonic() - started


def run(
    workdir: Path | None = None,
    *,
    rows: int = 60,
    due: int = 40,
    kill_after: int = 15,
    delay: float = 0.06,
    lease: float = 5.0,
) -> FailoverResult:
    """The whole drill in a fresh folder; the clusters are stopped and removed at the end. The
    killed worker's `lease` is what the DR side waits out before it starts (a batch of 10 sends
    must fit in it: a worker whose own lease runs out mid-batch leaves its marked messages
    unknown, which this drill would count as a failure)."""
    root = Path(tempfile.mkdtemp(prefix="reminderly-region-drill-", dir=workdir))
    root.chmod(0o755)
    (root / "sock").mkdir()
    _give(root / "sock")
    result = FailoverResult()
    started: list[Cluster] = []
    worker_proc: subprocess.Popen | None = None
    try:
        primary = Cluster(root, "primary")
        primary.initdb()
        primary.configure(wal_level="replica")
        primary.start()
        started.append(primary)
        with psycopg.connect(primary.url(), autocommit=True) as conn:
            conn.execute(Q.drill_create_database)
        url = primary.url("reminderly")
        migrate.migrate(url)

        # the DR region's replica, streaming from the primary
        replica = Cluster(root, "replica")
        _run(
            "pg_basebackup",
            ["-d", primary.url(), "-D", str(replica.data), "-R", "-X", "stream", "-c", "fast"],
        )
        replica.data.chmod(0o700)
        replica.configure()
        replica.start()
        started.append(replica)

        due_ids = _seed(url, rows, due)
        result.messages_due = len(due_ids)
        provider = ProviderLog(root / "provider.log", delay)
        worker_proc = _spawn(url, provider, lease)
        with psycopg.connect(url, autocommit=True) as conn:

            def mid_batch() -> (
                bool
            ):  # sends handed over, and two more to go before the batch is recorded
                handed, waiting = conn.execute(Q.drill_batch_state).fetchone()
                return sum(provider.sends().values()) >= kill_after and handed >= 1 and waiting >= 2

            _wait(mid_batch, 60, f"{kill_after} sends, mid-batch")
            worker_proc.send_signal(signal.SIGKILL)  # sends handed over, not yet recorded
        worker_proc.wait()
        worker_proc = None
        result.provider_sends_at_kill = sum(provider.sends().values())
        with psycopg.connect(url, autocommit=True) as conn:
            # the dead worker's last COMMIT may still be landing: read once its sessions are gone
            _wait(
                lambda: conn.execute(Q.drill_other_sessions).fetchone()[0] == 0,
                30,
                "the dead worker's sessions",
            )
            result.in_flight_at_kill = [r[0] for r in conn.execute(Q.drill_in_flight).fetchall()]
            (lsn,) = conn.execute(Q.drill_wal_lsn).fetchone()
            (lease_end,) = conn.execute(Q.drill_lease_expiry).fetchone()
        with psycopg.connect(replica.url("reminderly"), autocommit=True) as conn:
            result.replica_catch_up_seconds = round(
                _wait(
                    lambda: conn.execute(Q.drill_replayed, {"lsn": lsn}).fetchone()[0],
                    30,
                    "the replica",
                ),
                3,
            )

        # the region is lost: the primary crashes and its data is gone
        _run("pg_ctl", ["-D", str(primary.data), "-m", "immediate", "-w", "stop"], user=_user())
        started.remove(primary)
        shutil.rmtree(primary.data)

        t0 = time.monotonic()
        _run("pg_ctl", ["-D", str(replica.data), "-w", "promote"], user=_user())
        dr_url = replica.url("reminderly")
        with psycopg.connect(dr_url, autocommit=True) as conn:
            _wait(lambda: not conn.execute(Q.drill_in_recovery).fetchone()[0], 60, "the promotion")
        result.promote_seconds = round(time.monotonic() - t0, 3)

        # the DR side's worker, once the dead worker's leases have run out
        if lease_end is not None:
            time.sleep(max(0.0, (lease_end - datetime.now(lease_end.tzinfo)).total_seconds() + 0.1))
        before = sum(provider.sends().values())
        # a lease no batch outlives on a loaded machine: only the dead worker's may run out
        worker, pool = _worker(dr_url, provider, lease=60.0, name="dr-side")
        try:
            worker.run(until_idle=True)
        finally:
            pool.close()
        _judge(result, dr_url, due_ids, provider, before)
        return result
    finally:
        if worker_proc is not None:
            worker_proc.kill()
        for cluster in started:
            with contextlib.suppress(RuntimeError):
                cluster.stop()
        shutil.rmtree(root, ignore_errors=True)


def _user() -> str | None:
    from app_service import embedded

    return embedded.system_user()


def _judge(
    result: FailoverResult, dr_url: str, due_ids: list[int], provider: ProviderLog, before: int
) -> None:
    with psycopg.connect(dr_url) as conn:
        outcomes = {
            r[0]: (r[1], r[2]) for r in conn.execute(Q.drill_outcomes, {"ids": due_ids}).fetchall()
        }
    judge(result, outcomes, due_ids, provider.sends(), before)


def judge(
    result: FailoverResult,
    outcomes: dict[int, tuple[str, str | None]],
    due_ids: list[int],
    sends: Counter[int],
    before: int,
) -> None:
    """Fill the verdict from the DR side's message states and the provider's log."""
    result.sent_after_failover = sum(sends.values()) - before
    result.sent_twice = sorted(m for m, n in sends.items() if n > 1)
    result.outcomes = dict(Counter(f"{s}:{r}" if r else s for s, r in outcomes.values()))
    result.unknown = sorted(
        m for m, (s, r) in outcomes.items() if (s, r) == ("failed", "send_outcome_unknown")
    )
    result.unknown_not_delivered = [m for m in result.unknown if m not in sends]
    sent = {m for m, (s, _) in outcomes.items() if s == "sent"}
    # lost: due but neither sent (once, to the provider) nor unknown
    result.lost = sorted(
        m for m in due_ids if not ((m in sent and sends[m] == 1) or m in result.unknown)
    )


if __name__ == "__main__":  # the worker the drill kills: python -m ... URL LOG DELAY LEASE
    url, log_path, delay_s, lease_s = (
        sys.argv[1],
        Path(sys.argv[2]),
        float(sys.argv[3]),
        float(sys.argv[4]),
    )
    w, _pool = _worker(url, ProviderLog(log_path, delay_s), lease=lease_s, name="primary-side")
    print("started", flush=True)
    w.run()
