"""Message templates: stored texts with merge fields, and their preview.

A preview renders in the same jinja2 sandbox as the worker, with the merge fields given and
sample values for the rest, and says what an SMS would cost in segments."""

from __future__ import annotations

from jinja2 import meta
from jinja2.sandbox import SandboxedEnvironment

from app_service.worker.render import RenderError, render
from app_service.worker.segments import sms_segments

STANDARD_FIELDS = (
    "first_name", "last_name", "appointment_at", "appointment_date", "appointment_time",
    "location", "review_url",
)  # fmt: skip
"""The merge fields every message has (the worker fills them from the customer, the
appointment and its location); a packet's extra columns add more."""

_PARSER = SandboxedEnvironment()


class TemplateInvalid(ValueError):
    """A template that does not parse."""


def merge_fields(source: str) -> list[str]:
    try:
        return sorted(meta.find_undeclared_variables(_PARSER.parse(source)))
    except Exception as exc:  # jinja2's TemplateSyntaxError and kin
        raise TemplateInvalid(f"cannot be parsed: {exc}") from None


def preview(channel: str, body: str, subject: str | None, fields: dict[str, str]) -> dict:
    """The rendered text, the fields it uses, which of them were sampled, and SMS segments."""
    names = merge_fields(body) + (merge_fields(subject) if subject else [])
    sampled = sorted({n for n in names if n not in fields})
    values = {**{n: f"[{n}]" for n in sampled}, **fields}
    try:
        text = render(body, values)
        rendered_subject = render(subject, values) if subject else None
    except RenderError as exc:
        raise TemplateInvalid(str(exc)) from None
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
