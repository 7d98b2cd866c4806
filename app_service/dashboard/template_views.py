"""The console's templates: list, create, edit with a confirmation when merge fields change,
version history with a diff and "restore this version", and a preview with a chosen customer
or sample values (segments, the characters that force UCS-2, merge fields marked). The preview
works as a form button; template_preview.js also posts the form to /templates/preview as one
types and swaps in the same server-rendered fragment. The rules are the core's
(app_service/templates.py through app_service/people/template_changes.py)."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, g, render_template, request, session

from app_service import templates
from app_service.dashboard.views import _check_csrf as check_csrf
from app_service.dashboard.views import _go, actor, may, page, person_only, signed_in
from app_service.people import customer_care, permissions, template_changes
from app_service.sms_segments import ucs2_characters
from app_service.web import request_db

bp = Blueprint("template_console", __name__)
CHANNELS = ("sms", "email")


class NoCustomer(LookupError):
    """The chosen customer is not one this member can see (another account's, another
    location's, or no such id): the preview answers 404 and shows nothing of them."""


def _customer_id(value: str | None) -> int | None:
    """The form's customer (a public id, as the console shows every id) as its row id; 0 for
    something that is no public id (no customer has it)."""
    value = (value or "").strip()
    if not value:
        return None
    if not value.isdigit() or len(value) > 19:
        return 0
    return current_app.extensions["reminderly.ids"].decode(int(value)) or 0


def _preview(channel: str, body: str, subject: str | None, customer: int | None) -> dict:
    """The text rendered with the customer's merge fields (or sample values), its SMS segments
    and the characters that force UCS-2, and the source with its merge fields marked."""
    fields: dict = {}
    if customer is not None:
        # one audit entry per customer chosen in this session, not one per keystroke's preview
        # (the session cookie keeps the public id: row ids are never shown)
        shown_id = (
            str(current_app.extensions["reminderly.ids"].encode(customer)) if customer else ""
        )
        found = template_changes.preview_fields(
            request_db.connection(),
            actor(),
            customer,
            audited=session.get("previewed_customer") != shown_id,
        )
        if found is None:
            raise NoCustomer
        session["previewed_customer"] = shown_id
        fields = found
    out: dict = {
        "source": templates.highlight(body),
        "subject_source": templates.highlight(subject or "") if channel == "email" else [],
        "with_customer": customer is not None,
    }
    try:
        shown = templates.preview(channel, body, subject if channel == "email" else None, fields)
    except (templates.TemplateInvalid, templates.TemplateUnrenderable) as exc:
        return {**out, "error": str(exc)}
    forcing = ucs2_characters(shown["body"]) if "sms" in shown else []
    return {**out, **shown, "ucs2": [(ch, f"U+{ord(ch):04X}") for ch in forcing]}


def _form() -> dict:
    f = request.form
    return {
        "name": f.get("name", "").strip(),
        "channel": f.get("channel", "sms"),
        "subject": f.get("subject", "").strip(),
        "body": f.get("body", ""),
        "base_version": f.get("base_version", ""),
        "customer_q": f.get("customer_q", "").strip(),
        "customer": f.get("customer", "").strip(),
    }


def _matches(v: dict) -> list[dict]:
    """Customers found by the preview's search box (the member's own, by row-level security)."""
    if not v.get("customer_q"):
        return []
    return customer_care.search(request_db.connection(), v["customer_q"])[:20]


def _editor(v: dict, template: dict | None, status: int = 200, **extra):
    conn = request_db.connection()
    history = templates.versions(conn, template["id"]) if template else []
    if "preview" not in extra and v.get("body"):  # a refused save still shows what it was
        channel = template["channel"] if template else v.get("channel", "sms")
        channel = channel if channel in CHANNELS else "sms"
        extra["preview"] = _preview(channel, v["body"], v.get("subject"), None)
    return page(
        "dashboard/template.html",
        v=v,
        t=template,
        history=history,
        channels=CHANNELS,
        may_edit=may("edit_templates"),
        matches=extra.pop("matches", None) or _matches(v),
        **extra,
    ), status


def _require_edit() -> None:
    if not may("edit_templates"):
        abort(403, "your role may not edit templates")


def _template_or_404(template_id: int) -> dict:
    found = templates.get_template(request_db.connection(), template_id)
    if found is None:
        abort(404)
    return found


@bp.get("/templates")
@signed_in
def templates_page():
    found = templates.list_templates(request_db.connection(), g.dash["account_id"], 0, 500)
    return page("dashboard/templates.html", templates=found, may_edit=may("edit_templates"))


@bp.get("/templates/new")
@signed_in
def new_template():
    _require_edit()
    return _editor({"channel": "sms", "body": "", "subject": ""}, None)


@bp.get("/templates/<id:template_id>")
@signed_in
def template_page(template_id: int):
    t = _template_or_404(template_id)
    v = {**t, "subject": t["subject"] or "", "base_version": str(t["version"])}
    return _editor(v, t, preview=_preview(t["channel"], t["body"], t["subject"], None))


def _previewed(v: dict, t: dict | None):
    channel = t["channel"] if t else v["channel"]
    try:
        shown = _preview(channel, v["body"], v["subject"], _customer_id(v["customer"]))
    except NoCustomer:
        return _editor(v, t, 404, error="That customer is not one you can see.")
    return _editor(v, t, preview=shown)


@bp.post("/templates/new")
@bp.post("/templates/<id:template_id>")
@signed_in
def save_template(template_id: int | None = None):
    check_csrf()
    t = _template_or_404(template_id) if template_id is not None else None
    if t is None:
        _require_edit()  # the new-template page is for people who may save one
    v = _form()
    action = request.form.get("action", "save")
    if action in ("preview", "find"):
        return _previewed(v, t)
    _require_edit()
    if action == "test":
        return _test_sent(v, t)
    conn = request_db.connection()
    try:
        if t is None:
            if v["channel"] not in CHANNELS:
                return _editor(v, t, 400, error="channel: sms or email")
            if not 1 <= len(v["name"]) <= 200:
                return _editor(v, t, 400, error="name: 1 to 200 characters")
            made = template_changes.create(
                conn, actor(), v["name"], v["channel"], v["body"], v["subject"] or None
            )
            return _go(f"/templates/{made['id']}")
        if not v["base_version"].isdigit():
            return _editor(v, t, 400, error="base_version: reload the page and edit again")
        template_changes.edit(
            conn,
            actor(),
            t["id"],
            int(v["base_version"]),
            v["body"],
            v["subject"] or None,
            confirmed=request.form.get("confirm_fields") == "yes",
        )
    except permissions.NotAllowed as exc:
        abort(403, str(exc))
    except template_changes.FieldsChanged as exc:
        return _editor(v, t, 409, added=exc.added, removed=exc.removed)
    except templates.TemplateChanged as exc:
        return _editor(v, t, 409, error=f"Not saved: {exc}. Reload to edit the newest.")
    except templates.TemplateInvalid as exc:
        return _editor(v, t, 400, error=f"{exc.part}: {exc}")
    except templates.TemplateUnrenderable as exc:
        return _editor(v, t, 422, error=f"{exc.part}: {exc.reason}")
    except templates.TemplateExists as exc:
        return _editor(v, t, 409, error=f"name: {exc}")
    return _go(f"/templates/{t['id']}")


def _test_sent(v: dict, t: dict | None):
    """The editor's text, rendered with sample values, mailed to the member's own address
    (a session opened with an API key has none, and no per-member hourly limit: refused)."""
    person_only()
    channel = t["channel"] if t else v["channel"]
    if channel not in CHANNELS:
        return _editor(v, t, 400, error="channel: sms or email")
    try:
        template_changes.test_send(
            request_db.connection(),
            actor(),
            g.dash["email"],
            t["id"] if t else None,
            channel,
            v["body"],
            v["subject"] or None,
        )
    except template_changes.TooManyTests as exc:
        return _editor(v, t, 429, error=f"Not sent: {exc}.")
    except templates.TemplateInvalid as exc:
        return _editor(v, t, 400, error=f"{exc.part}: {exc}")
    except templates.TemplateUnrenderable as exc:
        return _editor(v, t, 422, error=f"{exc.part}: {exc.reason}")
    return _editor(v, t, notice=f"A test is on its way to {g.dash['email']}.")


@bp.post("/templates/preview")
@signed_in
def live_preview():
    """The preview fragment alone, for template_preview.js (the same HTML the Preview button's
    page holds); 404 when the chosen customer is not one this member can see."""
    check_csrf()
    v = _form()
    if v["channel"] not in CHANNELS:
        abort(400, "channel: sms or email")
    try:
        shown = _preview(v["channel"], v["body"], v["subject"], _customer_id(v["customer"]))
    except NoCustomer:
        html = render_template("dashboard/_template_preview.html", p=None, missing=True)
        return html, 404
    return render_template("dashboard/_template_preview.html", p=shown, channel=v["channel"])


def _number(value: str | None) -> int | None:
    """A version number from a query or form (versions are numbered per template, 1, 2, ...;
    not row ids, so they travel as parameters, not as path segments the ids would rewrite)."""
    value = (value or "").strip()
    return int(value) if value.isdigit() and len(value) <= 9 else None


@bp.get("/templates/<id:template_id>/versions")
@signed_in
def version_page(template_id: int):
    conn = request_db.connection()
    t = _template_or_404(template_id)
    number = _number(request.args.get("show")) or t["version"]
    shown = templates.version(conn, template_id, number)
    if shown is None:
        abort(404)
    against_number = _number(request.args.get("against")) or number - 1
    against = templates.version(conn, template_id, against_number) if against_number else None
    diff = {
        "body": templates.diff(against["body"] if against else "", shown["body"]),
        "subject": templates.diff(
            (against["subject"] or "") if against else "", shown["subject"] or ""
        ),
    }
    return page(
        "dashboard/template_version.html",
        t=t,
        shown=shown,
        against=against,
        diff=diff,
        history=templates.versions(conn, template_id),
        may_edit=may("edit_templates"),
    )


@bp.post("/templates/<id:template_id>/restore")
@signed_in
def restore_version(template_id: int):
    check_csrf()
    _require_edit()
    conn = request_db.connection()
    t = _template_or_404(template_id)
    number = _number(request.form.get("version"))
    if number is None:
        abort(400, "version: the number of the version to restore")
    base = request.form.get("base_version", "")
    try:
        done = template_changes.restore(
            conn,
            actor(),
            template_id,
            int(base) if base.isdigit() else -1,
            number,
            confirmed=request.form.get("confirm_fields") == "yes",
        )
    except permissions.NotAllowed as exc:
        abort(403, str(exc))
    except template_changes.FieldsChanged as exc:
        old = templates.version(conn, template_id, number)
        v = {**t, "body": old["body"], "subject": old["subject"] or "", "base_version": base}
        return _editor(v, t, 409, added=exc.added, removed=exc.removed, restoring=number)
    except templates.TemplateChanged as exc:
        abort(409, f"Not restored: {exc}. Reload the history and try again.")
    except (templates.TemplateInvalid, templates.TemplateUnrenderable) as exc:
        abort(422, f"that version no longer passes today's checks: {exc}")
    if done is None:
        abort(404)
    return _go(f"/templates/{template_id}")
