"""Templates and their preview."""

from __future__ import annotations

import psycopg
from flask import jsonify

from app_service import templates
from app_service.api import idempotency, shapes
from app_service.api.paging import page
from app_service.api.problems import bad_field, conflict, not_found, unprocessable_template
from app_service.api.routes import account_id, body, conn, created
from app_service.api.routing import operation
from app_service.db import rows
from app_service.queries import Q


def template_or_404(template_id: int) -> dict:
    found = rows(conn(), Q.get_template, {"id": template_id})
    if not found:
        raise not_found("template", template_id)
    return found[0]


@operation("listTemplates")
def list_templates():
    return page(
        lambda after, limit: rows(
            conn(),
            Q.list_templates,
            {"account_id": account_id(), "after": after, "limit": limit},
        ),
        shapes.template,
    )


@operation("createTemplate")
def create_template():
    data = body()
    for field in ("body", "subject"):
        if data.get(field):
            try:
                templates.merge_fields(data[field])
            except templates.TemplateInvalid as exc:
                raise bad_field(f"/{field}", str(exc)) from None
    if data["channel"] == "email" and not data.get("subject"):
        raise bad_field("/subject", "is required for an email template")
    try:
        templates.check(data["body"], data.get("subject"))
    except templates.TemplateInvalid as exc:  # parses, but does not compile
        raise bad_field(f"/{exc.part}", str(exc)) from None
    except templates.TemplateUnrenderable as exc:
        raise unprocessable_template(exc.reason, f"/{exc.part}") from None

    def create():
        try:
            with conn().transaction():
                row = rows(conn(), Q.create_template, {
                    "account_id": account_id(), "name": data["name"], "channel": data["channel"],
                    "subject": data.get("subject"), "body": data["body"],
                })[0]  # fmt: skip
        except psycopg.errors.UniqueViolation:
            raise conflict(f"a template named {data['name']!r} exists") from None
        return created(shapes.template(row), f"/v1/templates/{row['id']}")

    return idempotency.run(create)


@operation("getTemplate")
def get_template(template_id: int):
    return jsonify(shapes.template(template_or_404(template_id)))


@operation("previewTemplate")
def preview(template_id: int):
    t = template_or_404(template_id)
    fields = body().get("merge_fields", {})
    try:
        return jsonify(templates.preview(t["channel"], t["body"], t["subject"], fields))
    except templates.TemplateInvalid as exc:  # stored before today's rules
        raise unprocessable_template(f"{exc.part} {exc}") from None
    except templates.TemplateUnrenderable as exc:
        raise unprocessable_template(str(exc)) from None
