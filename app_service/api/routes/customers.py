"""Customers: upsert by the business's id, read, list, consent; and their messages."""

from __future__ import annotations

from flask import jsonify, request

from app_service import accounts, consent, customers
from app_service.api import idempotency, shapes
from app_service.api.paging import page
from app_service.api.problems import bad_field, not_found
from app_service.api.routes import account_id, body, conn, created
from app_service.api.routing import operation


def _customer_or_404(customer_id: int) -> dict:
    found = customers.get_customer(conn(), customer_id)
    if found is None:
        raise not_found("customer", customer_id)
    return found


@operation("listCustomers")
def list_customers():
    external_id = request.args.get("external_id")
    opted_out = request.args.get("opted_out")
    return page(
        lambda after, limit: customers.list_customers(
            conn(),
            account_id(),
            after=after,
            limit=limit,
            external_id=external_id,
            opted_out=opted_out,
        ),
        shapes.customer,
    )


@operation("upsertCustomer")
def upsert():
    data = body()

    def create():
        country = accounts.default_country(conn(), account_id())
        try:
            result = customers.upsert_customer(conn(), account_id(), country, data)
        except customers.InvalidCustomer as exc:
            raise bad_field(f"/{exc.field}", exc.reason) from None
        shaped = shapes.customer(customers.get_customer(conn(), result.id))
        if result.created:
            return created(shaped, f"/v1/customers/{result.id}")
        return jsonify(shaped)

    return idempotency.run(create)


@operation("getCustomer")
def get_customer(customer_id: int):
    return jsonify(shapes.customer(_customer_or_404(customer_id)))


@operation("changeConsent")
def change_consent(customer_id: int):
    _customer_or_404(customer_id)
    data = body()
    with conn().transaction():
        suppressed = consent.record(
            conn(),
            customer_id,
            data["channel"],
            data["action"],
            data["source"],
            data.get("note"),
        )
    return jsonify(
        customer=shapes.customer(_customer_or_404(customer_id)),
        suppressed_messages=suppressed,
    )


@operation("listCustomerMessages")
def customer_messages(customer_id: int):
    _customer_or_404(customer_id)
    return page(
        lambda after, limit: customers.customer_messages(conn(), customer_id, after, limit),
        shapes.message,
    )
