"""Template changes made by people in the console: the core's calls (app_service/templates.py)
with the permission matrix checked, the author kept on the version, and every change audited
with its before and after. A change that adds or removes merge fields is refused until it is
confirmed (FieldsChanged), so a field the business's files lack is not added by accident."""

from __future__ import annotations

import psycopg

from app_service import templates
from app_service.db import rows
from app_service.people import audit, permissions
from app_service.people.audit import Actor
from app_service.queries import Q


class FieldsChanged(Exception):
    """The change adds or removes merge fields and was not confirmed."""

    def __init__(self, added: list[str], removed: list[str]):
        super().__init__(f"adds {added or 'nothing'}, removes {removed or 'nothing'}")
        self.added, self.removed = added, removed


def _text(t: dict) -> dict:
    return {"version": t["version"], "subject": t["subject"], "body": t["body"]}


def create(
    conn: psycopg.Connection, actor: Actor, name: str, channel: str, body: str, subject: str | None
) -> dict:
    permissions.require(actor.role, "edit_templates")
    with conn.transaction():
        made = templates.create_template(
            conn,
            actor.account_id,
            name,
            channel,
            body,
            subject if channel == "email" else None,
            author_user=actor.user_id,
            author_key=actor.key_id,
        )
        audit.record(
            conn,
            actor,
            "template.created",
            object_type="template",
            object_id=made["id"],
            after={"name": name, "channel": channel, **_text(made)},
        )
    return made


def edit(
    conn: psycopg.Connection,
    actor: Actor,
    template_id: int,
    base_version: int,
    body: str,
    subject: str | None,
    *,
    confirmed: bool = False,
    restored_from: int | None = None,
) -> dict | None:
    """A new version (None when there is no such template). FieldsChanged unless `confirmed`
    when the merge fields differ from the version the editor started from."""
    permissions.require(actor.role, "edit_templates")
    with conn.transaction():
        before = templates.get_template(conn, template_id)
        if before is None:
            return None
        added, removed = templates.field_change(before, body, subject)
        if (added or removed) and not confirmed:
            raise FieldsChanged(added, removed)
        changed = templates.update_template(
            conn,
            template_id,
            base_version,
            body,
            subject,
            author_user=actor.user_id,
            author_key=actor.key_id,
            restored_from=restored_from,
        )
        assert changed is not None  # the row was there a moment ago, in this transaction
        audit.record(
            conn,
            actor,
            "template.restored" if restored_from else "template.edited",
            object_type="template",
            object_id=template_id,
            before=_text(before),
            after={
                **_text(changed),
                **({"restored_from": restored_from} if restored_from else {}),
                **({"fields_added": added} if added else {}),
                **({"fields_removed": removed} if removed else {}),
            },
        )
    return changed


def restore(
    conn: psycopg.Connection,
    actor: Actor,
    template_id: int,
    base_version: int,
    number: int,
    *,
    confirmed: bool = False,
) -> dict | None:
    """Restoring an old version is a new version with its text (history only grows); None when
    the template or the version does not exist."""
    permissions.require(actor.role, "edit_templates")
    old = templates.version(conn, template_id, number)
    if old is None:
        return None
    return edit(
        conn,
        actor,
        template_id,
        base_version,
        old["body"],
        old["subject"],
        confirmed=confirmed,
        restored_from=number,
    )


def preview_fields(
    conn: psycopg.Connection, actor: Actor, customer_id: int, *, audited: bool = True
) -> dict | None:
    """A customer's merge fields for a preview (None when not visible to this member); showing
    them is viewing the customer's record, so it is audited like opening it (`audited` False
    when this session already recorded viewing this customer: a live preview asks again at
    every pause in the typing)."""
    fields = templates.customer_fields(conn, customer_id)
    if fields is not None and audited:
        audit.record(
            conn,
            actor,
            "customer.viewed",
            object_type="customer",
            object_id=customer_id,
            after={"via": "template preview"},
        )
    return fields


TEST_SENDS_PER_HOUR = 10


class TooManyTests(Exception):
    """A member's test sends are limited (the console must not become a mail cannon)."""


def test_send(
    conn: psycopg.Connection,
    actor: Actor,
    recipient: str,
    template_id: int | None,
    channel: str,
    body: str,
    subject: str | None,
) -> dict:
    """Mails the text as the editor holds it, rendered with sample values, to the member's own
    sign-in address (nobody else's: no address is taken from the form). An email template
    arrives as the customer would read it; an SMS template arrives as an email showing the text
    and its segments, since members have no phone on record. Sample values only: a customer's
    details are not mailed around. Returns what was sent; raises TemplateInvalid or
    TemplateUnrenderable for a text that cannot render, TooManyTests past the hourly limit."""
    permissions.require(actor.role, "edit_templates")
    shown = templates.preview(channel, body, subject if channel == "email" else None, {})
    if rows(conn, Q.template_test_sends_recent, {"user_id": actor.user_id})[0]["n"] >= (
        TEST_SENDS_PER_HOUR
    ):
        raise TooManyTests(f"at most {TEST_SENDS_PER_HOUR} test sends an hour")
    if channel == "email":
        mail_subject, mail_body = f"[Test] {shown['subject'] or ''}".strip(), shown["body"]
    else:
        sms = shown["sms"]
        mail_subject = "[Test] How your SMS reads"
        mail_body = (
            f"{shown['body']}\n\n-- \n{sms['characters']} characters, {sms['segments']} SMS "
            f"segment(s), {sms['encoding']}. Merge fields show as [name] in a test."
        )
    with conn.transaction():
        conn.execute(
            Q.staff_mail_put,
            {
                "account_id": actor.account_id,
                "recipient": recipient,
                "subject": mail_subject[:300],
                "body": mail_body,
            },
        )
        audit.record(
            conn,
            actor,
            "template.test_sent",
            object_type="template",
            object_id=template_id,
            after={"channel": channel, "to": "self"},
        )
    return {"subject": mail_subject, "body": mail_body}
