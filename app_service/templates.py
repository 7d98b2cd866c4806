"""Message templates: stored texts with merge fields, and their preview.

A preview renders in the same jinja2 sandbox as the worker, with the merge fields given and
sample values for the rest, and says what an SMS would cost in segments."""

from __future__ import annotations

import difflib
import re
from zoneinfo import ZoneInfo

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


def _checked(channel: str, body: str, subject: str | None) -> None:
    """TemplateInvalid (naming the part) or TemplateUnrenderable unless the text is storable."""
    for part, text in (("body", body), ("subject", subject)):
        if text:
            try:
                merge_fields(text)
            except TemplateInvalid as exc:
                raise TemplateInvalid(str(exc), part) from None
    if channel == "email" and not subject:
        raise TemplateInvalid("is required for an email template", "subject")
    check(body, subject)


def create_template(
    conn: psycopg.Connection,
    account_id: int,
    name: str,
    channel: str,
    body: str,
    subject: str | None = None,
    *,
    author_user: int | None = None,
    author_key: int | None = None,
) -> dict:
    """Store a template that parses and renders in the sandbox; an email one needs a subject.
    TemplateInvalid (with the part), TemplateUnrenderable, or TemplateExists otherwise. Its
    text is kept as version 1, by its author (a member or a key)."""
    _checked(channel, body, subject)
    params = {
        "account_id": account_id,
        "name": name,
        "channel": channel,
        "subject": subject,
        "body": body,
        "author_user": author_user,
        "author_key": author_key,
    }
    try:
        with conn.transaction():
            return rows(conn, Q.create_template, params)[0]
    except psycopg.errors.UniqueViolation:
        raise TemplateExists(f"a template named {name!r} exists") from None


class TemplateChanged(Exception):
    """Someone saved the template after the editor opened it: saving over their version would
    lose it unseen (409; the editor reloads and sees the history)."""


def fields_of(body: str, subject: str | None) -> set[str]:
    return set(merge_fields(body)) | (set(merge_fields(subject)) if subject else set())


def field_change(before: dict, body: str, subject: str | None) -> tuple[list[str], list[str]]:
    """The merge fields a new text adds and removes against `before` (a template or version):
    an added field must be in the business's files, a removed one may be a mistake."""
    old, new = fields_of(before["body"], before["subject"]), fields_of(body, subject)
    return sorted(new - old), sorted(old - new)


def update_template(
    conn: psycopg.Connection,
    template_id: int,
    base_version: int,
    body: str,
    subject: str | None,
    *,
    author_user: int | None = None,
    author_key: int | None = None,
    restored_from: int | None = None,
) -> dict | None:
    """A new version of the template's text over `base_version` (the one the editor saw), kept
    in its history with its author. None when there is no such template; TemplateChanged when
    another version was saved since; TemplateInvalid/TemplateUnrenderable as for a new one."""
    current = get_template(conn, template_id)
    if current is None:
        return None
    _checked(current["channel"], body, subject if current["channel"] == "email" else None)
    params = {
        "id": template_id,
        "base_version": base_version,
        "subject": subject if current["channel"] == "email" else None,
        "body": body,
        "author_user": author_user,
        "author_key": author_key,
        "restored_from": restored_from,
    }
    with conn.transaction():
        found = rows(conn, Q.template_update, params)
    if not found:
        raise TemplateChanged(
            f"version {current['version']} was saved after version {base_version}, which you edited"
        )
    return found[0]


def versions(conn: psycopg.Connection, template_id: int, limit: int = 200) -> list[dict]:
    """The template's versions, newest first, each with its author (email or key name)."""
    return rows(conn, Q.template_versions, {"template_id": template_id, "limit": limit})


def version(conn: psycopg.Connection, template_id: int, number: int) -> dict | None:
    found = rows(conn, Q.template_version, {"template_id": template_id, "version": number})
    return found[0] if found else None


_TOKENS = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}|\s+|\w+|[^\w\s]", re.S)


def diff(old: str, new: str) -> list[tuple[str, str]]:
    """Word-level changes from `old` to `new` as (op, text) with op ' ' (same), '-' or '+':
    a message is a few sentences, where a line diff would mark the whole text changed. A
    merge field or tag is one word."""
    a, b = _TOKENS.findall(old or ""), _TOKENS.findall(new or "")
    out: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append((" ", "".join(a[i1:i2])))
            continue
        if i2 > i1:
            out.append(("-", "".join(a[i1:i2])))
        if j2 > j1:
            out.append(("+", "".join(b[j1:j2])))
    return out


def appointment_fields(starts_at, timezone: str) -> dict[str, str]:
    """The appointment's merge fields in its location's timezone, as every message shows them
    (the worker's composer and the console's preview use this one definition)."""
    local = starts_at.astimezone(ZoneInfo(timezone))
    return {
        "appointment_at": local.strftime("%a %b %-d at %-I:%M %p"),
        "appointment_date": local.strftime("%A, %B %-d"),
        "appointment_time": local.strftime("%-I:%M %p"),
    }


def customer_fields(conn: psycopg.Connection, customer_id: int) -> dict[str, str] | None:
    """A customer's merge fields as a message to them would carry (from their latest
    appointment); links are per message, so they stay samples. None when the customer is not
    visible here: another account's, or outside the member's location (row-level security)."""
    found = rows(conn, Q.template_preview_customer, {"customer_id": customer_id})
    if not found:
        return None
    c = found[0]
    fields = {
        **{k: str(v) for k, v in (c["merge_fields"] or {}).items() if v is not None},
        "first_name": c["first_name"],
        "last_name": c["last_name"],
        "location": c["location_name"],
        **(appointment_fields(c["starts_at"], c["timezone"]) if c["starts_at"] else {}),
    }
    return {k: v for k, v in fields.items() if v is not None}


_MARKUP = re.compile(r"(\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\})", re.S)


def highlight(source: str) -> list[tuple[str, str]]:
    """The source as (kind, text) pieces, kind 'text', 'field' ({{ ... }}), 'tag' ({% ... %})
    or 'comment', so an editor can mark where merge fields and logic are."""
    out = []
    for i, piece in enumerate(_MARKUP.split(source or "")):
        if not piece:
            continue
        kind = "text" if i % 2 == 0 else {"{{": "field", "{%": "tag", "{#": "comment"}[piece[:2]]
        out.append((kind, piece))
    return out
