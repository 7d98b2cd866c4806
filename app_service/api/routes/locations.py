"""Locations: upsert by the business's id, read, list."""

from __future__ import annotations

from flask import jsonify, request

from app_service import locations
from app_service.api import idempotency, shapes
from app_service.api.paging import page
from app_service.api.problems import bad_field, not_found
from app_service.api.routes import account_id, body, conn, created
from app_service.api.routing import operation


@operation("listLocations")
def list_locations():
    external_id = request.args.get("external_id")
    return page(
        lambda after, limit: locations.list_locations(
            conn(), account_id(), after=after, limit=limit, external_id=external_id
        ),
        shapes.location,
    )


@operation("upsertLocation")
def upsert():
    data = body()

    def create():
        try:
            result = locations.upsert_location(conn(), account_id(), data)
        except locations.InvalidLocation as exc:
            raise bad_field(f"/{exc.field}", exc.reason) from None
        shaped = shapes.location(locations.get_location(conn(), result.id))
        if result.created:
            return created(shaped, f"/v1/locations/{result.id}")
        return jsonify(shaped)

    return idempotency.run(create)


@operation("getLocation")
def get_location(location_id: int):
    found = locations.get_location(conn(), location_id)
    if found is None:
        raise not_found("location", location_id)
    return jsonify(shapes.location(found))
