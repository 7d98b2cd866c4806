"""Typed values the library takes and returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Literal

Kind = Literal["reminder", "survey", "review_request"]
Channel = Literal["sms", "email"]

PENDING = frozenset({"scheduled", "ready", "retry"})
"""Not yet in a final state. A claimed message is a ready one with a lease."""
FINAL = frozenset({"sent", "delivered", "failed", "dead", "suppressed", "cancelled"})


@dataclass(frozen=True)
class Step:
    """One schedule step: send at appointment + offset (negative: before), optionally at a
    fixed local time on that day (review requests "next morning at 10:00")."""

    name: str
    offset: timedelta
    template: str
    channel: Channel | None = None
    local_time: time | None = None
    subject: str | None = None


@dataclass(frozen=True)
class CampaignSpec:
    account_id: int
    name: str
    kind: Kind
    channel: Channel
    steps: list[Step]
    send_window_start: time = time(9, 0)
    send_window_end: time = time(20, 0)
    window_policy: Literal["defer", "advance"] = "defer"
    max_attempts: int = 5
    retry_base: timedelta = timedelta(seconds=30)
    retry_max: timedelta = timedelta(hours=1)
    frequency_cap: timedelta | None = None
    audience_top_n: int | None = None
    """Send only to the top N customers by score (customer_scores); None: everyone."""
    audience_by: str | None = None
    """respond (likely to answer) or positive (likely to answer positively; refused for review
    requests: review gating is forbidden by review sites)."""
    """At most one sent message of this campaign's kind per customer per this long."""
    max_sms_segments: int = 2
    """SMS steps longer than this (rendered with sample merge fields) are refused."""


@dataclass(frozen=True)
class ClaimedMessage:
    id: int
    account_id: int
    campaign_id: int
    packet_id: int
    customer_id: int
    appointment_id: int
    step: int
    channel: Channel
    attempts: int


@dataclass(frozen=True)
class RowError:
    row_no: int
    column: str
    reason: str
    value: str | None
    errors: tuple[RowIssue, ...] = ()
    """Every error of the row; the first is column/reason."""


@dataclass(frozen=True)
class RowIssue:
    """One problem of one row: the column at fault and why."""

    column: str
    reason: str


@dataclass(frozen=True)
class Snapshot:
    """A packet that is the full list of a scope: appointments starting in [starts_from,
    starts_to), optionally only at these locations (the business's location ids). Booked
    appointments of the scope it does not hold are cancelled as absent_from_snapshot, unless
    that is more than the account's share (default 50%) and `force` is not set."""

    starts_from: datetime
    starts_to: datetime
    locations: tuple[str, ...] | None = None
    force: bool = False


@dataclass
class PacketStatus:
    id: int
    campaign_id: int
    status: str
    rows_submitted: int
    rows_accepted: int
    rows_rejected: int
    messages_planned: int
    appointments: dict[str, int]
    messages: dict[str, int]
    rejected_by_reason: list[tuple[str, str, int]] = field(default_factory=list)
    failure_reason: str | None = None
    stage_seconds: dict[str, float] = field(default_factory=dict)
    received_at: datetime | None = None
    source: str = "rows"
    filename: str | None = None
    rows_warned: int = 0
    warnings_by_reason: list[tuple[str, str, int]] = field(default_factory=list)
    effects: list[dict] = field(default_factory=list)
    """Per campaign: messages planned, suppressed, replanned, cancelled, first_send_at."""
    first_send_at: datetime | None = None
    snapshot: Snapshot | None = None
    rows_read: int = 0
    """A background load's progress: rows read so far."""
    body_bytes: int | None = None
    """A background load's stored body size."""


@dataclass(frozen=True)
class LoadResult:
    packet_id: int
    status: str
    created: bool
    """False when the packet already existed (same idempotency key or same content)."""
    duplicate_of: int | None
    rows_submitted: int
    rows_accepted: int
    rows_rejected: int
    messages_planned: int
    failure_reason: str | None = None
    problem: Literal["unreadable", "empty", "snapshot_limit"] | None = None
    """Why a load was refused or failed, for callers that map it to their medium."""
    detail: dict | None = None
    """Numbers behind the problem (snapshot_limit: absent, scope, limit)."""
    preview: dict | None = None
    """A dry run's report (the load's summary and its first row errors); nothing was kept."""
    row_plans: list[dict] | None = None
    """A dry run's first rows, each with the messages it would plan (send when, or skip and
    why), when the caller asked for them (the console's check page)."""
    sample: dict | None = None
    """A dry run's first message to be sent, rendered (templates.preview), when asked for."""
