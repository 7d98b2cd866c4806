"""Packets: submit (JSON array or CSV, streamed), status, row errors, cancel, messages, report."""

from __future__ import annotations

from flask import Flask, current_app, jsonify, request

from app_service import packets, reports
from app_service.api import shapes
from app_service.api.idempotency import REPLAYED
from app_service.api.paging import page
from app_service.api.problems import ApiError, conflict, not_found
from app_service.api.routes import conn, route
from app_service.api.routes.campaigns import campaign_or_404
from app_service.db import one, rows
from app_service.packet_source import PacketFormatError, csv_source, json_source
from app_service.queries import Q

_SOURCES = {"text/csv": csv_source, "application/json": json_source}


def _packet(packet_id: int) -> packets.PacketStatus:
    status = packets.packet_status(conn(), packet_id)
    if status is None:
        raise not_found("packet", packet_id)
    return status


def _shaped(packet_id: int) -> dict:
    return shapes.packet(_packet(packet_id))


def register(app: Flask) -> None:
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
        source = make(request.stream)
        result = packets.load_packet(conn(), campaign_id, source, idempotency_key=key)
        if not result.created:
            existing = rows(conn(), Q.get_packet, {"packet_id": result.packet_id})[0]
            if key is not None and existing["idempotency_key"] == key:
                # the same key: it is a retry only if the body is the same
                try:
                    for _ in source.rows():
                        pass
                    same = (
                        bytes(
                            one(conn(), Q.packet_checksum, {"packet_id": result.packet_id})[0]
                            or b""
                        )
                        == source.checksum
                    )
                except PacketFormatError:
                    same = False
                if not same:
                    raise conflict("this Idempotency-Key was used with a different packet body")
            response = jsonify({**_shaped(result.packet_id), "duplicate_of": result.packet_id})
            if key is not None:
                response.headers[REPLAYED] = "true"
            return response
        emit = current_app.config["EMIT_METRICS"]
        if emit is not None:  # the packet-load-failures alarm counts PacketsFailed
            emit({"PacketsFailed" if result.status == "failed" else "PacketsLoaded": (1.0, "Count"),
                  "PacketRowsRejected": (float(result.rows_rejected), "Count")})  # fmt: skip
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

    def list_packets(campaign_id: int):
        campaign_or_404(campaign_id)
        return page(
            lambda after, limit: rows(
                conn(), Q.list_packets, {"campaign_id": campaign_id, "after": after, "limit": limit}
            ),
            lambda r: _shaped(r["id"]),
        )

    def get_packet(packet_id: int):
        return jsonify(_shaped(packet_id))

    def packet_errors(packet_id: int):
        _packet(packet_id)
        return page(
            lambda after, limit: packets.row_errors(conn(), packet_id, after=after, limit=limit),
            lambda e: {
                "row_no": e.row_no,
                "column": e.column,
                "reason": e.reason,
                "value": e.value,
            },
            key=lambda e: e.row_no,
        )

    def cancel(packet_id: int):
        status = _packet(packet_id)
        if status.status in ("completed", "failed", "cancelled"):
            raise conflict(f"packet {packet_id} is {status.status}; cannot cancel it")
        packets.cancel_packet(conn(), packet_id)
        return jsonify(_shaped(packet_id))

    def packet_messages(packet_id: int):
        _packet(packet_id)
        return page(
            lambda after, limit: rows(
                conn(),
                Q.messages_of_packet,
                {"packet_id": packet_id, "after": after, "limit": limit},
            ),
            shapes.message,
        )

    def report(packet_id: int):
        status = _packet(packet_id)
        return jsonify(
            packet_id=packet_id, campaign_id=status.campaign_id, status=status.status,
            rows={"submitted": status.rows_submitted, "accepted": status.rows_accepted,
                  "rejected": status.rows_rejected},
            rejected_by_reason=shapes.rejections(status), stage_seconds=status.stage_seconds,
            funnel=reports.funnel(status.messages),
        )  # fmt: skip

    route(app, "/v1/campaigns/<int:campaign_id>/packets", "listPackets", list_packets)
    route(app, "/v1/campaigns/<int:campaign_id>/packets", "createPacket", create_packet, "POST")
    route(app, "/v1/packets/<int:packet_id>", "getPacket", get_packet)
    route(app, "/v1/packets/<int:packet_id>/errors", "listPacketErrors", packet_errors)
    route(app, "/v1/packets/<int:packet_id>/cancel", "cancelPacket", cancel, "POST")
    route(app, "/v1/packets/<int:packet_id>/messages", "listPacketMessages", packet_messages)
    route(app, "/v1/packets/<int:packet_id>/report", "getPacketReport", report)
