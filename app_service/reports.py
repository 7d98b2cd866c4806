"""Campaign reports, from the rollups only (message states, interactions, hourly activity,
survey scores), so they cost the same for ten messages or ten million.

NPS: the share of promoters (9-10) minus the share of detractors (0-6), in points from -100 to
100. CSAT here: the share of answers of 8 or more (satisfied), in percent, with the average
score beside it.

A report may be limited to one location (`location_id`, a row id; the per-location rollups of
0026_report_exports). A member scoped to one location always gets theirs: `scoped_location`
refuses any other, so a URL cannot widen what they see (row-level security refuses it too)."""

from __future__ import annotations

import csv
import io
from datetime import datetime

import psycopg

from app_service.campaigns import campaign_counts, get_campaign
from app_service.db import rows
from app_service.queries import Q

PENDING = ("scheduled", "ready", "retry")


class OutsideScope(PermissionError):
    """A location-scoped member asked for another location's (or every location's) figures."""


def scoped_location(scope: int | None, requested: int | None) -> int | None:
    """The location a report is limited to: the member's own when they are scoped to one (a
    request for it, or for none, gives it; any other is refused), else what was asked."""
    if scope is None:
        return requested
    if requested is not None and requested != scope:
        raise OutsideScope("you see one location only")
    return scope


def funnel(counts: dict[str, int], events: dict[str, int] | None = None) -> dict:
    """Message-state rollups ({"sent": 3, "suppressed:opted_out": 1}) and interaction counts as
    the funnel: where every planned message is, and what came back."""
    events = events or {}
    by_status: dict[str, int] = {}
    suppressed_by: dict[str, int] = {}
    for key, n in counts.items():
        status, _, reason = key.partition(":")
        by_status[status] = by_status.get(status, 0) + n
        if status == "suppressed":
            suppressed_by[reason or "unspecified"] = (
                suppressed_by.get(reason or "unspecified", 0) + n
            )
    get = by_status.get
    return {
        "planned": sum(by_status.values()),
        "pending": sum(get(s, 0) for s in PENDING),
        "sent": get("sent", 0) + get("delivered", 0),
        "delivered": get("delivered", 0),
        "failed": get("failed", 0),
        "dead": get("dead", 0),
        "suppressed": get("suppressed", 0),
        "cancelled": get("cancelled", 0),
        "suppressed_by_reason": suppressed_by,
        # replies (an SMS survey answer is one) and survey answers on the web page
        "responded": events.get("reply", 0) + events.get("survey_response", 0),
        "confirmed": events.get("confirmed", 0),
        "opted_out": suppressed_by.get("opted_out", 0),
        "clicked": events.get("link_clicked", 0),
        "by_state": counts,
    }


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def survey_summary(score_rows: list[dict]) -> dict:
    distribution = {str(s): 0 for s in range(11)}
    comments = 0
    for r in score_rows:
        distribution[str(r["score"])] = int(r["n"])
        comments += int(r["comments"])
    total = sum(distribution.values())
    promoters = sum(distribution[str(s)] for s in (9, 10))
    detractors = sum(distribution[str(s)] for s in range(7))
    passives = total - promoters - detractors
    average = sum(int(s) * n for s, n in distribution.items()) / total if total else None
    satisfied = sum(distribution[str(s)] for s in (8, 9, 10))
    return {
        "responses": total,
        "promoters": promoters,
        "passives": passives,
        "detractors": detractors,
        "nps": round(100 * (promoters - detractors) / total, 1) if total else None,
        "average_score": round(average, 2) if average is not None else None,
        "csat_percent": round(100 * satisfied / total, 1) if total else None,
        "comments": comments,
        "distribution": distribution,
    }


def campaign_report(
    conn: psycopg.Connection, campaign_id: int, location_id: int | None = None
) -> dict | None:
    """The campaign's report; with `location_id`, every figure is that location's."""
    campaign = get_campaign(conn, campaign_id)
    if campaign is None:
        return None
    where = {"campaign_id": campaign_id, "location_id": location_id}
    if location_id is None:
        counts = campaign_counts(conn, campaign_id)
        event_rows = rows(conn, Q.campaign_event_counts, where)
    else:
        counts = {r["status"]: int(r["n"]) for r in rows(conn, Q.location_message_counts, where)}
        event_rows = rows(conn, Q.location_event_counts, where)
    events = {r["kind"]: int(r["n"]) for r in event_rows}
    f = funnel(counts, events)
    report = {
        "campaign_id": campaign_id,
        "name": campaign["name"],
        "kind": campaign["kind"],
        "channel": campaign["channel"],
        "status": campaign["status"],
        "funnel": f,
        "rates": {
            "delivery": _rate(f["delivered"], f["sent"]),
            "response": _rate(f["responded"], f["sent"]),
            "confirmation": _rate(f["confirmed"], f["sent"]),
            "click": _rate(f["clicked"], f["sent"]),
            "opt_out": _rate(f["opted_out"], f["planned"]),
        },
    }
    report["locations"] = locations(conn, campaign_id, location_id)
    if campaign["kind"] == "survey":
        scores = Q.survey_score_counts if location_id is None else Q.location_survey_score_counts
        report["survey"] = survey_summary(rows(conn, scores, where))
    if campaign["kind"] == "review_request":
        report["review"] = {
            "sent": f["sent"],
            "clicked": f["clicked"],
            "conversion": _rate(f["clicked"], f["sent"]),
        }
    return report


def locations(conn: psycopg.Connection, campaign_id: int, only: int | None = None) -> list[dict]:
    """Messages per location of the business (from the location rollup): planned, pending,
    sent, delivered, failed, suppressed; appointments without a location are "(none)"."""
    out: dict[int, dict] = {}
    for r in rows(conn, Q.campaign_location_counts, {"campaign_id": campaign_id}):
        if only is not None and r["location_id"] != only:
            continue
        entry = out.setdefault(
            r["location_id"],
            {
                "location": r["external_id"] or "(none)",
                "name": r["name"],
                "planned": 0,
                "pending": 0,
                "sent": 0,
                "delivered": 0,
                "failed": 0,
                "suppressed": 0,
            },
        )
        n = int(r["n"])
        entry["planned"] += n
        status = r["status"]
        if status in PENDING:
            entry["pending"] += n
        if status in ("sent", "delivered"):
            entry["sent"] += n
        if status in ("delivered", "failed", "suppressed"):
            entry[status] += n
        if status == "dead":
            entry["failed"] += n
    return list(out.values())


SERIES = ("sent", "delivered", "responses", "clicked")


def timeseries(
    conn: psycopg.Connection,
    campaign_id: int,
    bucket: str,
    since: datetime,
    until: datetime,
    location_id: int | None = None,
) -> list[dict]:
    """Activity per hour or day (the account's local days): sent, delivered, responses (replies
    and survey answers), clicks; with `location_id`, that location's."""
    if bucket not in ("hour", "day"):
        raise ValueError("bucket must be hour or day")
    out: dict[datetime, dict] = {}
    params = {"campaign_id": campaign_id, "bucket": bucket, "since": since, "until": until}
    query = Q.campaign_timeseries
    if location_id is not None:
        query, params = Q.location_timeseries, {**params, "location_id": location_id}
    for r in rows(conn, query, params):
        point = out.setdefault(r["bucket"], {"bucket": r["bucket"], **dict.fromkeys(SERIES, 0)})
        metric = {
            "reply": "responses",
            "survey_response": "responses",
            "link_clicked": "clicked",
        }.get(r["metric"], r["metric"])
        if metric in SERIES:
            point[metric] += int(r["n"])
    return list(out.values())


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value):
    """A text cell a spreadsheet would run as a formula (=, +, -, @, tab, CR first) gets a
    leading apostrophe, as OWASP recommends against CSV injection; numbers stay numbers."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


class SafeWriter:
    """csv.writer (RFC 4180 quoting) whose every cell goes through `csv_cell`."""

    def __init__(self, out: io.StringIO):
        self._writer = csv.writer(out)

    def writerow(self, row: list) -> None:
        self._writer.writerow([csv_cell(v) for v in row])


def report_csv(report: dict) -> str:
    """The report as CSV: one row per figure (section, metric, value), formula-safe."""
    out = io.StringIO()
    writer = SafeWriter(out)
    writer.writerow(["section", "metric", "value"])
    for key in ("campaign_id", "name", "kind", "channel", "status"):
        writer.writerow(["campaign", key, report[key]])
    if report.get("location") is not None:
        writer.writerow(["campaign", "location", report["location"]])
    for key, value in report["funnel"].items():
        if isinstance(value, dict):
            for sub, n in value.items():
                writer.writerow([f"funnel.{key}", sub, n])
        else:
            writer.writerow(["funnel", key, value])
    for key, value in report["rates"].items():
        writer.writerow(["rates", key, "" if value is None else value])
    for loc in report.get("locations", []):
        for key, value in loc.items():
            if key not in ("location", "name"):
                writer.writerow([f"location.{loc['location']}", key, value])
    for section in ("survey", "review"):
        for key, value in report.get(section, {}).items():
            if isinstance(value, dict):
                for sub, n in value.items():
                    writer.writerow([f"{section}.{key}", sub, n])
            else:
                writer.writerow([section, key, "" if value is None else value])
    return out.getvalue()
