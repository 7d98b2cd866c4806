"""Templates and their preview."""

from __future__ import annotations

from flask import g, jsonify

from app_service import templates
from app_service.api import idempotency, shapes
from app_service.api.paging import page
from app_service.api.problems import bad_field, conflict, not_found, unprocessable_template
from app_service.api.routes import account_id, body, conn, created
from app_service.api.routing import operation


def template_or_404(template_id: int) -> dict:
    found = templates.get_template(conn(), template_id)
    if found is None:
        raise not_found("template", template_id)
    return found


@operation("listTemplates")
def list_templates():
    return page(
        lambda after, limit: templates.list_templates(conn(), account_id(), after, limit),
        shapes.template,
    )


@operation("createTemplate")
def create_template():
    data = body()

    def create():
        try:
            row = templates.create_template(
                conn(),
                account_id(),
                data["name"],
                data["channel"],
                data["body"],
                data.get("subject"),
                author_key=g.caller.key_id,  # version 1's author
            )
        except templates.TemplateInvalid as exc:
            raise bad_field(f"/{exc.part}", str(exc)) from None
        except templates.TemplateUnrenderable as exc:
            raise unprocessable_template(exc.reason, f"/{exc.part}") from None
        except templates.TemplateExists as exc:
            raise conflict(str(exc)) from None
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
