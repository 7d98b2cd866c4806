"""Packets: submit (JSON array or CSV, streamed), status, row errors, cancel, messages, report."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from typing import IO, NoReturn

from flask import current_app, jsonify, request

from app_service import packet_records, packet_state, packets, reports
from app_service.api import shapes
from app_service.api.idempotency import REPLAYED
from app_service.api.paging import page
from app_service.api.problems import ApiError, conflict, not_found
from app_service.api.routes import conn
from app_service.api.routes.campaigns import campaign_or_404
from app_service.api.routing import operation
from app_service.models import LoadResult, Snapshot
from app_service.packet_source import PacketFormatError, csv_source, json_source

_SOURCES = {"text/csv": csv_source, "application/json": json_source}


class PacketTooLarge(PacketFormatError):
    """The body went past the packet limit while it was read."""


class _CountedBody(io.RawIOBase):
    """The request body, counted: past `limit` bytes the packet fails as too large (a chunked
    body has no length to refuse up front, and werkzeug would silently stop at the limit)."""

    def __init__(self, raw: IO[bytes], limit: int):
        self._raw, self.limit, self.read_bytes, self.too_large = raw, limit, 0, False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[override]
        data = self._raw.read(len(buffer))
        self.read_bytes += len(data)
        if self.read_bytes > self.limit:
            self.too_large = True
            raise PacketTooLarge(f"the body exceeds {self.limit} bytes")
        buffer[: len(data)] = data
        return len(data)


def _too_large(body: _CountedBody, packet_id: int | None) -> ApiError:
    extra = {"packet_id": packet_id} if packet_id else {}
    return ApiError(413, "Content Too Large", f"the body exceeds {body.limit} bytes", **extra)


def _packet(packet_id: int) -> packets.PacketStatus:
    status = packet_state.packet_status(conn(), packet_id)
    if status is None:
        raise not_found("packet", packet_id)
    return status


def _shaped(packet_id: int) -> dict:
    return shapes.packet(_packet(packet_id))


def _snapshot() -> Snapshot | None:
    """The snapshot scope of the query string (both ends, or neither), checked before the
    body is read."""
    start, end = request.args.get("snapshot_from"), request.args.get("snapshot_to")
    locations = request.args.get("snapshot_locations")
    if start is None and end is None:
        if locations is not None or request.args.get("force") is not None:
            raise _scope_error("snapshot_from", "is required with snapshot_locations or force")
        return None
    if start is None or end is None:
        missing = "snapshot_from" if start is None else "snapshot_to"
        raise _scope_error(missing, "is required: a snapshot's scope has both ends")
    starts_from, starts_to = _instant("snapshot_from", start), _instant("snapshot_to", end)
    if not starts_from < starts_to:
        raise _scope_error("snapshot_to", "must be after snapshot_from")
    if starts_to - starts_from > MAX_SNAPSHOT_SPAN:
        raise _scope_error("snapshot_to", "must be at most 92 days after snapshot_from")
    names = None
    if locations is not None:
        names = tuple(n.strip() for n in locations.split(",") if n.strip())
        if not names:
            raise _scope_error("snapshot_locations", "names no location")
    return Snapshot(starts_from, starts_to, names, request.args.get("force") == "true")


MAX_SNAPSHOT_SPAN = timedelta(days=92)


def _instant(name: str, raw: str) -> datetime:
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise _scope_error(name, "is not an ISO 8601 date-time") from None
    if value.tzinfo is None:
        raise _scope_error(name, "needs a UTC offset (Z or +hh:mm)")
    return value


def _scope_error(name: str, detail: str) -> ApiError:
    return ApiError(
        400,
        "Bad Request",
        f"{name}: {detail}",
        errors=[{"parameter": name, "in": "query", "detail": detail}],
    )


def _dry_run_problem(result: LoadResult) -> NoReturn:
    if result.duplicate_of is not None:
        raise conflict(f"packet {result.duplicate_of} already holds this content")
    status = 422 if result.problem == "empty" else 400
    reason = result.failure_reason or "unreadable"
    raise ApiError(
        status,
        "Packet empty" if status == 422 else "Bad Request",
        f"the packet could not be read: {reason}" if status == 400 else reason,
        errors=[{"pointer": "", "detail": reason}],
    )


def _body(body: IO[bytes], threshold: int) -> tuple[IO[bytes], bool]:
    """The request body, and whether it loads in the background: asked for with `Prefer:
    respond-async`, or larger than `threshold` (a chunked body is read up to the threshold
    to find out), so that no request waits on a big load."""
    if "respond-async" in request.headers.get("Prefer", "").lower():
        return body, True
    length = request.content_length
    if length is not None:
        return body, length > threshold
    head = body.read(threshold + 1)
    if len(head) <= threshold:
        return io.BytesIO(head), False
    return io.BufferedReader(_Chained(head, body)), True


class _Chained(io.RawIOBase):
    """Bytes already read, then the rest of a stream."""

    def __init__(self, head: bytes, rest: IO[bytes]):
        self._head = memoryview(head)
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, target) -> int:  # type: ignore[override]
        if self._head:
            n = min(len(target), len(self._head))
            target[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        data = self._rest.read(len(target))
        target[: len(data)] = data
        return len(data)


def _store_for_background(
    campaign_id: int, stream: IO[bytes], key: str | None, snapshot: Snapshot | None
):
    result = packets.store_upload(
        conn(),
        campaign_id,
        stream,
        kind="csv" if request.mimetype == "text/csv" else "json",
        content_type=request.mimetype,
        idempotency_key=key,
        snapshot=snapshot,
    )
    shaped = _shaped(result.packet_id)
    if not result.created:
        existing = packet_records.get_packet(conn(), result.packet_id)
        same_key = key is not None and existing["idempotency_key"] == key
        if same_key and not packet_records.same_upload(existing, stream):
            raise conflict("this Idempotency-Key was used with a different packet body")
        response = jsonify({**shaped, "duplicate_of": result.packet_id})
        response.headers[REPLAYED] = "true"
        return response
    response = jsonify(shaped)
    response.status_code = 202
    response.headers["Location"] = shaped["links"]["self"]
    response.headers["Preference-Applied"] = "respond-async"
    response.headers["Retry-After"] = "2"
    return response


@operation("createPacket")
def create_packet(campaign_id: int):
    campaign = campaign_or_404(campaign_id)
    if campaign["status"] == "archived":
        raise conflict(f"campaign {campaign_id} is archived")
    make = _SOURCES.get(request.mimetype)
    if make is None:
        raise ApiError(
            415,
            "Unsupported Media Type",
            f"send the packet as text/csv or application/json, not {request.mimetype or '(none)'}",
        )
    key = request.headers.get("Idempotency-Key")
    dry_run = request.args.get("dry_run") == "true"
    if dry_run and key is not None:
        raise ApiError(
            400,
            "Bad Request",
            "a dry run keeps nothing, so it takes no Idempotency-Key",
            errors=[
                {
                    "parameter": "Idempotency-Key",
                    "in": "header",
                    "detail": "must not be sent with dry_run=true",
                }
            ],
        )
    snapshot = _snapshot()
    body = _CountedBody(request.stream, current_app.config["MAX_PACKET_BYTES"])
    try:
        stream, background = _body(body, current_app.config["ASYNC_PACKET_BYTES"])
        if background and not dry_run:
            return _store_for_background(campaign_id, stream, key, snapshot)
    except PacketTooLarge:  # nothing kept: the upload's transaction rolled back
        raise _too_large(body, None) from None
    source = make(stream)
    result = packets.load_packet(
        conn(), campaign_id, source, idempotency_key=key, snapshot=snapshot, dry_run=dry_run
    )
    if result.problem == "snapshot_limit":
        raise ApiError(
            422,
            "Snapshot would cancel too much",
            result.failure_reason or "snapshot refused",
            errors=[
                {
                    "parameter": "force",
                    "in": "query",
                    "detail": "set force=true to cancel the absent appointments anyway",
                }
            ],
            **(result.detail or {}),
        )
    if body.too_large:
        raise _too_large(body, None if dry_run else result.packet_id)
    if dry_run:
        if result.preview is None:  # a duplicate, or a body that could not be read
            return _dry_run_problem(result)
        return jsonify(result.preview)
    if not result.created:
        existing = packet_records.get_packet(conn(), result.packet_id)
        same_key = key is not None and existing["idempotency_key"] == key
        # the same key: it is a retry only if the body is the same
        if same_key and not packet_records.same_load(conn(), result.packet_id, source, snapshot):
            raise conflict("this Idempotency-Key was used with a different packet body")
        response = jsonify({**_shaped(result.packet_id), "duplicate_of": result.packet_id})
        if key is not None:
            response.headers[REPLAYED] = "true"
        return response
    if result.problem == "empty":
        raise ApiError(
            422,
            "Packet empty",
            "the packet holds no rows",
            errors=[{"pointer": "", "detail": "the packet holds no rows"}],
            packet_id=result.packet_id,
        )
    if result.status == "failed":
        raise ApiError(
            400,
            "Bad Request",
            f"the packet could not be read: {result.failure_reason}",
            errors=[{"pointer": "", "detail": result.failure_reason or "unreadable"}],
            packet_id=result.packet_id,
        )
    shaped = _shaped(result.packet_id)
    if result.rows_accepted == 0 and result.rows_submitted > 0:
        raise ApiError(
            422,
            "Packet rows invalid",
            f"all {result.rows_submitted} rows were rejected",
            packet_id=result.packet_id,
            errors_url=shaped["links"]["errors"],
            rejected_by_reason=shaped["rejected_by_reason"],
        )
    response = jsonify(shaped)
    response.status_code = 201
    response.headers["Location"] = shaped["links"]["self"]
    return response


@operation("listPackets")
def list_packets(campaign_id: int):
    campaign_or_404(campaign_id)
    return page(
        lambda after, limit: packet_records.list_packets(conn(), campaign_id, after, limit),
        lambda r: _shaped(r["id"]),
    )


@operation("getPacket")
def get_packet(packet_id: int):
    return jsonify(_shaped(packet_id))


@operation("listPacketErrors")
def packet_errors(packet_id: int):
    _packet(packet_id)
    return page(
        lambda after, limit: packet_state.row_errors(conn(), packet_id, after=after, limit=limit),
        packet_state.row_error_dict,
        key=lambda e: e.row_no,
    )


@operation("cancelPacket")
def cancel(packet_id: int):
    status = _packet(packet_id)
    if status.status in ("completed", "failed", "cancelled"):
        raise conflict(f"packet {packet_id} is {status.status}; cannot cancel it")
    packets.cancel_packet(conn(), packet_id)
    return jsonify(_shaped(packet_id))


@operation("listPacketMessages")
def packet_messages(packet_id: int):
    _packet(packet_id)
    return page(
        lambda after, limit: packet_records.packet_messages(conn(), packet_id, after, limit),
        shapes.message,
    )


@operation("getPacketReport")
def report(packet_id: int):
    status = _packet(packet_id)
    return jsonify(
        packet_id=packet_id,
        campaign_id=status.campaign_id,
        status=status.status,
        rows={
            "submitted": status.rows_submitted,
            "accepted": status.rows_accepted,
            "rejected": status.rows_rejected,
        },
        rejected_by_reason=shapes.rejections(status),
        stage_seconds=status.stage_seconds,
        funnel=reports.funnel(status.messages),
    )
