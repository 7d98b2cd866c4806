"""An account's people: invitations (single-use, expiring, cancellable, resendable), members
and their roles. Every change is checked against the permission matrix and audited; the
database keeps the last owner (a trigger) and the tenant boundary (row-level security)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

import psycopg
from email_validator import EmailNotValidError, validate_email

from app_service.db import rows
from app_service.people import audit, permissions
from app_service.people.audit import Actor
from app_service.queries import Q

INVITATION_HOURS = 72


class InvalidChange(ValueError):
    def __init__(self, field: str, reason: str):
        super().__init__(f"{field}: {reason}")
        self.field, self.reason = field, reason


@dataclass(frozen=True)
class Invitation:
    id: int
    email: str
    role: str
    link: str


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def normalise_email(email: str) -> str:
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise InvalidChange("email", str(exc)) from None


def _check_role(actor_role: str | None, role: str, location_id: int | None) -> None:
    if role not in permissions.ROLES:
        raise InvalidChange("role", f"one of {', '.join(permissions.ROLES)}")
    if actor_role is not None and not permissions.may_grant(actor_role, role):
        raise permissions.NotAllowed(
            actor_role, "manage_owners" if role == "owner" else "manage_users"
        )
    if location_id is not None and role not in ("staff", "viewer"):
        raise InvalidChange("location_id", "only staff and viewers are scoped to one location")


def _mail_invitation(
    conn: psycopg.Connection, account_id: int, email: str, role: str, link: str
) -> None:
    conn.execute(
        Q.staff_mail_put,
        {
            "account_id": account_id,
            "recipient": email,
            "subject": "You are invited to reminderly",
            "body": (
                f"You have been invited to join an account on reminderly as {role}.\n\n"
                f"Accept within {INVITATION_HOURS} hours: {link}\n\n"
                "If you did not expect this, ignore this message."
            ),
        },
    )


def invite(
    conn: psycopg.Connection,
    actor: Actor,
    email: str,
    role: str,
    *,
    base_url: str,
    location_id: int | None = None,
) -> Invitation:
    """Invite someone (an owner's CLI bootstrap passes actor.role None: no matrix check)."""
    address = normalise_email(email)
    _check_role(actor.role, role, location_id)
    token = secrets.token_urlsafe(32)
    with conn.transaction():
        made = rows(
            conn,
            Q.people_invite,
            {
                "account_id": actor.account_id,
                "email": address,
                "role": role,
                "location_id": location_id,
                "token_hash": token_hash(token),
                "invited_by": actor.user_id,
                "hours": INVITATION_HOURS,
            },
        )[0]
        link = f"{base_url.rstrip('/')}/invitations/{token}"
        _mail_invitation(conn, actor.account_id, address, role, link)
        audit.record(
            conn,
            actor,
            "invitation.created",
            object_type="invitation",
            object_id=made["id"],
            after={"email": address, "role": role, "location_id": location_id},
        )
    return Invitation(made["id"], address, role, link)


def resend(
    conn: psycopg.Connection, actor: Actor, invitation_id: int, *, base_url: str
) -> Invitation | None:
    """A new link (the old one stops working) and a new expiry."""
    token = secrets.token_urlsafe(32)
    with conn.transaction():
        found = rows(
            conn,
            Q.people_renew_invitation,
            {"id": invitation_id, "token_hash": token_hash(token), "hours": INVITATION_HOURS},
        )
        if not found:
            return None
        inv = found[0]
        _check_role(actor.role, inv["role"], inv["location_id"])
        link = f"{base_url.rstrip('/')}/invitations/{token}"
        _mail_invitation(conn, actor.account_id, inv["email"], inv["role"], link)
        audit.record(
            conn, actor, "invitation.resent", object_type="invitation", object_id=invitation_id
        )
    return Invitation(inv["id"], inv["email"], inv["role"], link)


def cancel(conn: psycopg.Connection, actor: Actor, invitation_id: int) -> bool:
    with conn.transaction():
        found = rows(conn, Q.people_cancel_invitation, {"id": invitation_id})
        if found:
            _check_role(actor.role, found[0]["role"], None)
            audit.record(
                conn,
                actor,
                "invitation.cancelled",
                object_type="invitation",
                object_id=invitation_id,
            )
    return bool(found)


def members(conn: psycopg.Connection) -> list[dict]:
    return rows(conn, Q.people_members)


def invitations(conn: psycopg.Connection, limit: int = 200) -> list[dict]:
    return rows(conn, Q.people_invitations, {"limit": limit})


def _last_owner(exc: psycopg.errors.CheckViolation) -> bool:
    return exc.diag.constraint_name == "memberships_last_owner"


def change_role(
    conn: psycopg.Connection, actor: Actor, user_id: int, role: str, location_id: int | None = None
) -> dict | None:
    with conn.transaction():
        current = rows(conn, Q.people_membership, {"user_id": user_id})
        if not current:
            return None
        _check_role(actor.role, role, location_id)
        _check_role(actor.role, current[0]["role"], None)  # an admin cannot demote an owner
        try:
            changed = rows(
                conn,
                Q.people_change_role,
                {"user_id": user_id, "role": role, "location_id": location_id},
            )[0]
        except psycopg.errors.CheckViolation as exc:
            if _last_owner(exc):
                raise InvalidChange("role", "the account's last owner stays an owner") from None
            raise
        audit.record(
            conn,
            actor,
            "member.role_changed",
            object_type="user",
            object_id=user_id,
            before=dict(current[0]),
            after=dict(changed),
        )
        if current[0]["role"] != role:  # privileges changed: sign them in again
            conn.execute(Q.people_end_sessions_in_account, {"user_id": user_id})
    return changed


def remove(conn: psycopg.Connection, actor: Actor, user_id: int) -> bool:
    """Remove a member from the account; their sessions in it end at once."""
    with conn.transaction():
        current = rows(conn, Q.people_membership, {"user_id": user_id})
        if not current:
            return False
        _check_role(actor.role, current[0]["role"], None)
        try:
            conn.execute(Q.people_remove_member, {"user_id": user_id})
        except psycopg.errors.CheckViolation as exc:
            if _last_owner(exc):
                raise InvalidChange(
                    "user_id", "the account's last owner cannot be removed"
                ) from None
            raise
        conn.execute(Q.people_end_sessions_in_account, {"user_id": user_id})
        audit.record(
            conn,
            actor,
            "member.removed",
            object_type="user",
            object_id=user_id,
            before=dict(current[0]),
        )
    return True


def mail(conn: psycopg.Connection, limit: int = 20) -> list[dict]:
    return rows(conn, Q.staff_mail_list, {"limit": limit})


def set_disabled(conn: psycopg.Connection, email: str, disabled: bool) -> dict:
    """An operator's switch for a person in every account (the platform's, not a tenant's):
    a disabled user cannot sign in, and their sessions end at once."""
    return rows(conn, Q.people_set_disabled, {"email": email.strip(), "disabled": disabled})[0]
