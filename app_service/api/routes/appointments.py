"""Appointments: what reminderly knows about an appointment of the business's, by its id."""

from __future__ import annotations

from flask import jsonify, request

from app_service import appointments
from app_service.api import shapes
from app_service.api.paging import page
from app_service.api.problems import not_found
from app_service.api.routes import account_id, conn
from app_service.api.routing import operation


@operation("listAppointments")
def list_appointments():
    return page(
        lambda after, limit: appointments.list_appointments(
            conn(),
            account_id(),
            after=after,
            limit=limit,
            external_id=request.args.get("external_id"),
            status=request.args.get("status"),
        ),
        shapes.appointment,
    )


@operation("getAppointment")
def get_appointment(appointment_id: int):
    found = appointments.get_appointment(conn(), appointment_id)
    if found is None:
        raise not_found("appointment", appointment_id)
    messages = appointments.appointment_messages(conn(), account_id(), appointment_id)
    return jsonify(shapes.appointment(found, messages))
