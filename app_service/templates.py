"""Message templates: stored texts with merge fields, and their preview.

A preview renders in the same jinja2 sandbox as the worker, with the merge fields given and
sample values for the rest, and says what an SMS would cost in segments."""

from __future__ import annotations

import psycopg
from jinja2 import meta

from app_service.db import rows
from app_service.queries import Q
from app_service.sms_segments import sms_segments
from app_service.template_sandbox import RenderError, render_many
from app_service.template_sandbox.limits import ENV as _PARSER

STANDARD_FIELDS = (
    "first_name",
    "last_name",
    "appointment_at",
    "appointment_date",
    "appointment_time",
    "location",
    "review_url",
)
"""The merge fields every message has (the worker fills them from the customer, the
appointment and its location); a packet's extra columns add more."""


class TemplateInvalid(ValueError):
    """A template that does not parse or compile (the request is malformed: 400)."""

    def __init__(self, message: str, part: str = "body") -> None:
        super().__init__(message)
        self.part = part


class TemplateUnrenderable(ValueError):
    """A template that parses but cannot be rendered: an error of its own (`1/0`), a limit of
    the sandbox, the render timeout (422). `part` is body or subject."""

    def __init__(self, part: str, reason: str) -> None:
        super().__init__(f"{part} {reason}")
        self.part, self.reason = part, reason


def merge_fields(source: str) -> list[str]:
    """The undeclared names of a template. jinja2 finds them by generating the template's code,
    which folds constants: the limited environment folds none that could be large."""
    try:
        return sorted(meta.find_undeclared_variables(_PARSER.parse(source)))
    except Exception as exc:  # jinja2's TemplateSyntaxError and kin, RecursionError
        raise TemplateInvalid(f"cannot be parsed: {exc}") from None


def _render_parts(parts: dict[str, str], values: dict) -> dict[str, str]:
    """Render each named part (body, subject) with `values`, in one round trip to the
    sandbox; a syntax error is TemplateInvalid, any other failure TemplateUnrenderable."""
    names = list(parts)
    results = render_many([(parts[n], values) for n in names])
    for name, result in zip(names, results, strict=True):
        if isinstance(result, RenderError):
            if result.kind == "syntax":
                raise TemplateInvalid(f"cannot be parsed: {result.detail}", name)
            raise TemplateUnrenderable(name, f"cannot be rendered: {result.detail}")
    return dict(zip(names, results, strict=True))


def check(body: str, subject: str | None = None) -> None:
    """A new template must parse and render with sample values in the sandbox's limits."""
    parts = {"body": body, **({"subject": subject} if subject else {})}
    names = {n for text in parts.values() for n in merge_fields(text)}
    _render_parts(parts, {n: f"[{n}]" for n in names})


def preview(channel: str, body: str, subject: str | None, fields: dict[str, str]) -> dict:
    """The rendered text, the fields it uses, which of them were sampled, and SMS segments."""
    names = merge_fields(body) + (merge_fields(subject) if subject else [])
    sampled = sorted({n for n in names if n not in fields})
    values = {**{n: f"[{n}]" for n in sampled}, **fields}
    rendered = _render_parts({"body": body, **({"subject": subject} if subject else {})}, values)
    text, rendered_subject = rendered["body"], rendered.get("subject")
    out: dict = {
        "body": text,
        "subject": rendered_subject,
        "merge_fields": sorted(set(names)),
        "sampled_fields": sampled,
        "unknown_fields": sorted(
            n for n in set(names) if n not in STANDARD_FIELDS and n not in fields
        ),
    }
    if channel == "sms":
        seg = sms_segments(text)
        out["sms"] = {"encoding": seg.encoding, "segments": seg.count, "characters": len(text)}
    return out


class TemplateExists(ValueError):
    """The account has a template of that name."""


def get_template(conn: psycopg.Connection, template_id: int) -> dict | None:
    found = rows(conn, Q.get_template, {"id": template_id})
    return found[0] if found else None


def list_templates(conn: psycopg.Connection, account_id: int, after: int, limit: int) -> list:
    return rows(conn, Q.list_templates, {"account_id": account_id, "after": after, "limit": limit})


def create_template(
    conn: psycopg.Connection,
    account_id: int,
    name: str,
    channel: str,
    body: str,
    subject: str | None = None,
) -> dict:
    """Store a template that parses and renders in the sandbox; an email one needs a subject.
    TemplateInvalid (with the part), TemplateUnrenderable, or TemplateExists otherwise."""
    for part, text in (("body", body), ("subject", subject)):
        if text:
            try:
                merge_fields(text)
            except TemplateInvalid as exc:
                raise TemplateInvalid(str(exc), part) from None
    if channel == "email" and not subject:
        raise TemplateInvalid("is required for an email template", "subject")
    check(body, subject)
    params = {
        "account_id": account_id,
        "name": name,
        "channel": channel,
        "subject": subject,
        "body": body,
    }
    try:
        with conn.transaction():
            return rows(conn, Q.create_template, params)[0]
    except psycopg.errors.UniqueViolation:
        raise TemplateExists(f"a template named {name!r} exists") from None
