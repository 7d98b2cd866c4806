"""A plain-Python model of the packet rules, written from the README (not from the SQL), so
the property tests can compare PostgreSQL's messages with what the rules say they should be.

What it models: rows judged by what the campaign uses (a cancellation needs only its ids; an
address the campaign does not use never costs the row), duplicates within a packet, account-wide
appointments (new, moved, cancelled, unchanged), per-campaign planning for every booked
appointment a campaign receives, changes applying in every campaign that holds the appointment,
snapshots with their safety share, opt-outs between packets, and send times: wall-clock offsets in
the recipient's zone moved into the campaign's send window ('defer'), 'too_late' when a step due
before the appointment could only go out at or after it.

What it leaves out: sending (frequency caps, retries, leases: the worker's tests own those),
audiences, location send windows, and due times already in the past (the generator keeps every
appointment days ahead, so "a due time already past counts as now" never applies).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

PENDING = {"scheduled", "ready", "retry"}


@dataclass(frozen=True)
class OStep:
    step: int
    offset: timedelta
    channel: str
    local_time: time | None = None


@dataclass(frozen=True)
class OCampaign:
    id: int
    kind: str
    channel: str
    steps: tuple[OStep, ...]
    window: tuple[time, time] = (time(9), time(20))


@dataclass
class ORow:
    customer_id: str
    appointment_id: str | None
    local_at: datetime | None  # naive local time of the appointment
    timezone: str
    status: str = "booked"
    phone_ok: bool = True
    email_ok: bool = True


@dataclass
class OAppointment:
    customer: str
    starts_at: datetime  # aware UTC
    timezone: str
    status: str


@dataclass
class OMessage:
    status: str
    reason: str
    send_at: datetime


@dataclass
class OCustomer:
    phone: bool = False
    email: bool = False
    sms_out: bool = False
    email_out: bool = False


@dataclass
class Model:
    campaigns: dict[int, OCampaign]
    appointments: dict[str, OAppointment] = field(default_factory=dict)
    customers: dict[str, OCustomer] = field(default_factory=dict)
    # (campaign, appointment key, step, customer) -> message
    messages: dict[tuple[int, str, int, str], OMessage] = field(default_factory=dict)
    snapshot_limit: float = 0.5

    # --- time ---------------------------------------------------------------------------------

    @staticmethod
    def to_utc(local: datetime, tz: str) -> datetime:
        """A local wall-clock time in `tz`, as PostgreSQL reads `timestamp AT TIME ZONE tz`:
        a time in a spring-forward gap takes the offset before the change; an ambiguous
        fall-back time is read as standard time (the later instant)."""
        zone = ZoneInfo(tz)
        early = local.replace(tzinfo=zone, fold=0)
        late = local.replace(tzinfo=zone, fold=1)
        if early.utcoffset() == late.utcoffset():
            return early.astimezone(UTC)
        round_trip = early.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
        gap = round_trip != local
        return (early if gap else late).astimezone(UTC)

    @staticmethod
    def to_local(instant: datetime, tz: str) -> datetime:
        return instant.astimezone(ZoneInfo(tz)).replace(tzinfo=None)

    def due_at(self, a: OAppointment, s: OStep) -> datetime:
        local = self.to_local(a.starts_at, a.timezone) + s.offset
        if s.local_time is not None:
            local = datetime.combine(local.date(), s.local_time)
        return self.to_utc(local, a.timezone)

    def window_send_at(self, due: datetime, tz: str, c: OCampaign) -> datetime:
        start, end = c.window
        local = self.to_local(due, tz)
        if start <= local.time() < end:
            return due
        if local.time() < start:
            return self.to_utc(datetime.combine(local.date(), start), tz)
        return self.to_utc(datetime.combine(local.date() + timedelta(days=1), start), tz)

    def plan(self, c: OCampaign, a: OAppointment, s: OStep) -> tuple[datetime, str]:
        due = self.due_at(a, s)
        send_at = self.window_send_at(due, a.timezone, c)
        why = "too_late" if due < a.starts_at and send_at >= a.starts_at else ""
        return send_at, why

    # --- rows ---------------------------------------------------------------------------------

    def accepted(self, c: OCampaign, rows: list[ORow]) -> list[ORow]:
        """Rows kept by validation, in order (later duplicates of an appointment dropped)."""
        channels = {c.channel, *(s.channel for s in c.steps)}
        kept: list[ORow] = []
        seen: set[str] = set()
        for r in rows:
            cancel = r.status == "cancelled"
            if not cancel and (
                r.local_at is None
                or ("sms" in channels and not r.phone_ok)
                or ("email" in channels and not r.email_ok)
            ):
                continue
            if r.appointment_id is None and c.kind == "reminder":
                continue
            key = self.key(r)
            if key in seen:
                continue
            seen.add(key)
            kept.append(r)
        return kept

    def key(self, r: ORow) -> str:
        if r.appointment_id is not None:
            return r.appointment_id
        at = self.to_utc(r.local_at, r.timezone).strftime("%Y-%m-%dT%H:%M:%SZ")
        return f"visit:{r.customer_id}@{at}"

    def named(self, rows: list[ORow]) -> set[str]:
        """Appointment ids a packet names, rejected rows included (they protect theirs)."""
        out = set()
        for r in rows:
            if r.appointment_id is not None:
                out.add(r.appointment_id)
        return out

    # --- a packet -----------------------------------------------------------------------------

    def load(
        self,
        campaign_id: int,
        rows: list[ORow],
        snapshot: tuple[datetime, datetime] | None = None,
        force: bool = False,
    ) -> str:
        """Apply one packet; returns 'ready', 'refused' (snapshot limit) or 'empty'."""
        if not rows:
            return "empty"
        c = self.campaigns[campaign_id]
        kept = self.accepted(c, rows)
        keys_in_packet = {self.key(r) for r in kept} | self.named(rows)
        absent: list[str] = []
        if snapshot is not None:
            start, end = snapshot
            scope = [
                k
                for k, a in self.appointments.items()
                if a.status == "booked" and start <= a.starts_at < end
            ]
            absent = [k for k in scope if k not in keys_in_packet]
            if len(absent) > self.snapshot_limit * len(scope) and not force:
                return "refused"
        for r in kept:  # customers first: the last row of each customer carries its details
            cu = self.customers.setdefault(r.customer_id, OCustomer())
            cu.phone = cu.phone or r.phone_ok
            cu.email = cu.email or r.email_ok
        changes: dict[str, str] = {}
        for r in kept:
            changes[self.key(r)] = self._upsert(r)
        for k in absent:
            self.appointments[k].status = "cancelled"
            changes[k] = "absent"
        for k, kind in changes.items():
            a = self.appointments[k]
            for (_cid, ak, _step, cust), m in self.messages.items():
                if ak != k or m.status not in PENDING:
                    continue
                if kind in ("cancelled", "absent"):
                    m.status = "cancelled"
                    m.reason = (
                        "appointment_cancelled" if kind == "cancelled" else "absent_from_snapshot"
                    )
                elif kind == "moved" and cust != a.customer:
                    m.status, m.reason = "cancelled", "appointment_reassigned"
        for k, kind in changes.items():
            a = self.appointments[k]
            if a.status != "booked":
                continue
            targets = [campaign_id]
            if kind == "moved":
                targets += [
                    x
                    for x in self.campaigns
                    if x != campaign_id and any(mk[0] == x and mk[1] == k for mk in self.messages)
                ]
            for x in targets:
                self._plan_appointment(self.campaigns[x], k, a, replan=kind == "moved")
        return "ready"

    def _upsert(self, r: ORow) -> str:
        k = self.key(r)
        old = self.appointments.get(k)
        if r.status == "cancelled":
            if old is None:
                at = self.to_utc(r.local_at, r.timezone) if r.local_at else datetime.now(UTC)
                self.appointments[k] = OAppointment(r.customer_id, at, r.timezone, "cancelled")
                return "cancelled"
            was = old.status
            old.status = "cancelled"
            return "cancelled" if was == "booked" else "unchanged"
        at = self.to_utc(r.local_at, r.timezone)
        new = OAppointment(r.customer_id, at, r.timezone, "booked")
        self.appointments[k] = new
        if old is None:
            return "new"
        if (
            old.status == "cancelled"
            or old.starts_at != at
            or old.customer != r.customer_id
            or old.timezone != r.timezone
        ):
            return "moved"
        return "unchanged"

    def _plan_appointment(self, c: OCampaign, k: str, a: OAppointment, *, replan: bool) -> None:
        cu = self.customers[a.customer]
        for s in c.steps:
            send_at, why = self.plan(c, a, s)
            opted = cu.sms_out if s.channel == "sms" else cu.email_out
            has_address = cu.phone if s.channel == "sms" else cu.email
            if opted:
                why = "opted_out"
            elif not has_address:
                why = "no_address"
            mk = (c.id, k, s.step, a.customer)
            m = self.messages.get(mk)
            if m is None:
                status = "scheduled" if not why else "suppressed"
                self.messages[mk] = OMessage(status, why, send_at)
            elif replan and (
                m.status in PENDING
                or (m.status, m.reason)
                in {
                    ("cancelled", "appointment_cancelled"),
                    ("cancelled", "absent_from_snapshot"),
                    ("suppressed", "too_late"),
                }
            ):
                m.status = "scheduled" if not why else "suppressed"
                m.reason, m.send_at = why, send_at

    # --- consent ------------------------------------------------------------------------------

    def opt_out(self, customer: str, channel: str) -> None:
        """STOP: the customer's pending messages on that channel are suppressed, and nothing
        is planned for that channel until they opt in again."""
        cu = self.customers[customer]
        if channel == "sms":
            cu.sms_out = True
        else:
            cu.email_out = True
        for (cid, _k, step, cust), m in self.messages.items():
            c = self.campaigns[cid]
            ch = next(s.channel for s in c.steps if s.step == step)
            if cust == customer and ch == channel and m.status in PENDING:
                m.status, m.reason = "suppressed", "opted_out"
