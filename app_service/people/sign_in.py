"""Signing people in: password (argon2id), then a second factor (TOTP or a recovery code),
on a new server-side session each time. One generic error for every failure; a throttle per
(email, address) that slows a guesser without locking the owner out from elsewhere."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field

import psycopg

from app_service.db import rows
from app_service.people import audit, mfa, passwords
from app_service.people.directory import normalise_email, token_hash
from app_service.queries import Q

MAX_FAILURES = 10
"""Failed attempts per (email, address) in 15 minutes before that address must wait."""

GENERIC_ERROR = "The email, password or code is not right."


@dataclass
class Outcome:
    status: str  # signed_in_pending_mfa | enrol_mfa | invalid | throttled | sso_required
    session_id: str | None = None
    user_id: int | None = None


@dataclass
class Enrolment:
    secret: str
    uri: str


@dataclass
class Context:
    """Where a sign-in comes from (for the throttle and the audit log)."""

    address: str = ""
    user_agent: str = ""
    request_id: str | None = None
    extra: dict = field(default_factory=dict)


def _email_hash(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


def _failed(
    conn: psycopg.Connection, email: str, user_id: int | None, ctx: Context, action: str
) -> None:
    conn.execute(
        Q.people_record_failure, {"email_hash": _email_hash(email), "address": ctx.address}
    )
    audit.sign_in_event(conn, user_id, action, ctx.address, ctx.request_id)


def throttled(conn: psycopg.Connection, email: str, ctx: Context) -> bool:
    found = rows(
        conn, Q.people_recent_failures, {"email_hash": _email_hash(email), "address": ctx.address}
    )
    return found[0]["n"] >= MAX_FAILURES


def with_password(
    conn: psycopg.Connection, email: str, password: str, ctx: Context, account_id: int | None = None
) -> Outcome:
    """First step. The session it starts opens only the second-factor pages."""
    if throttled(conn, email, ctx):
        return Outcome("throttled")
    try:
        address = normalise_email(email)
    except ValueError:
        address = email.strip().lower()[:254]
    found = rows(conn, Q.people_sign_in_lookup, {"email": address})
    user = found[0] if found else None
    ok = passwords.verify(user["password_hash"] if user else None, password)
    if not ok or user is None or user["disabled"]:
        _failed(conn, address, user["user_id"] if user else None, ctx, "sign_in.failed")
        return Outcome("invalid")
    memberships = rows(conn, Q.people_memberships, {"user_id": user["user_id"]})
    accounts = [a for a in memberships if a["sign_in_method"] == "password"]
    chosen = next(
        (a["account_id"] for a in accounts if a["account_id"] == account_id),
        accounts[0]["account_id"] if accounts else None,
    )
    if chosen is None and memberships:  # the password was right: saying why is safe
        audit.sign_in_event(
            conn, user["user_id"], "sign_in.sso_required", ctx.address, ctx.request_id
        )
        return Outcome("sso_required")
    if chosen is None:
        _failed(conn, address, user["user_id"], ctx, "sign_in.failed")
        return Outcome("invalid")
    session_id = secrets.token_urlsafe(32)
    started = rows(
        conn,
        Q.people_session_start,
        {
            "session_id": session_id,
            "user_id": user["user_id"],
            "account_id": chosen,
            "address": ctx.address,
            "user_agent": ctx.user_agent,
            "sso": False,
        },
    )[0]["started"]
    if not started:
        return Outcome("invalid")
    conn.execute(
        Q.people_clear_failures, {"email_hash": _email_hash(address), "address": ctx.address}
    )
    audit.sign_in_event(conn, user["user_id"], "sign_in.password_ok", ctx.address, ctx.request_id)
    status = "signed_in_pending_mfa" if user["totp_confirmed"] else "enrol_mfa"
    return Outcome(status, session_id, user["user_id"])


def current(conn: psycopg.Connection, session_id: str | None) -> dict | None:
    """The live session (user, account, role, whether the second factor is done), or None."""
    if not session_id:
        return None
    found = rows(conn, Q.people_session, {"session_id": session_id})
    return found[0] if found else None


def _secret(conn: psycopg.Connection, email: str, link_secret: str) -> tuple[dict, str | None]:
    user = rows(conn, Q.people_sign_in_lookup, {"email": email})[0]
    sealed = user["totp_secret"]
    return user, (mfa.unseal(link_secret, sealed) if sealed else None)


def _code_accepted(
    conn: psycopg.Connection, user: dict, secret: str, code: str, ctx: Context
) -> bool:
    """A TOTP code newer than the last accepted one, or an unused recovery code (each spent
    by accepting it): the one second-factor check for sign-in and password reset."""
    step = mfa.matching_step(secret, code)
    if step is not None:
        return rows(
            conn,
            Q.people_accept_totp_step,
            {"user_id": user["user_id"], "step": step, "confirm": False},
        )[0]["accepted"]
    if len(code.strip()) <= 6:
        return False
    used = rows(
        conn, Q.people_use_recovery_code, {"user_id": user["user_id"], "hash": mfa.code_hash(code)}
    )[0]["used"]
    if used:
        audit.sign_in_event(
            conn, user["user_id"], "sign_in.recovery_code_used", ctx.address, ctx.request_id
        )
    return used


def second_factor(
    conn: psycopg.Connection, session: dict, code: str, link_secret: str, ctx: Context
) -> bool:
    """A TOTP code (each usable once) or an unused recovery code completes the sign-in."""
    if throttled(conn, session["email"], ctx):
        return False
    user, secret = _secret(conn, session["email"], link_secret)
    ok = bool(secret and user["totp_confirmed"]) and _code_accepted(conn, user, secret, code, ctx)
    if not ok:
        _failed(conn, session["email"], user["user_id"], ctx, "sign_in.mfa_failed")
        return False
    return _complete(conn, session, user["user_id"], ctx)


def _complete(conn: psycopg.Connection, session: dict, user_id: int, ctx: Context) -> bool:
    conn.execute(Q.people_session_mfa_done, {"session_id": session["session_id"]})
    conn.execute(
        Q.people_clear_failures,
        {"email_hash": _email_hash(session["email"]), "address": ctx.address},
    )
    audit.sign_in_event(conn, user_id, "sign_in.succeeded", ctx.address, ctx.request_id)
    return True


def start_enrolment(conn: psycopg.Connection, session: dict, link_secret: str) -> Enrolment | None:
    """The TOTP secret to enrol for a user with none confirmed: the pending one if the page
    was already shown (a reload or a mistyped code keeps what was scanned), else a new one."""
    if session["totp_confirmed"]:
        return None
    _, secret = _secret(conn, session["email"], link_secret)
    if secret is None:
        secret = mfa.new_secret()
        conn.execute(
            Q.people_set_pending_totp,
            {"user_id": session["user_id"], "secret": mfa.seal(link_secret, secret)},
        )
    return Enrolment(secret, mfa.provisioning_uri(secret, session["email"]))


def confirm_enrolment(
    conn: psycopg.Connection, session: dict, code: str, link_secret: str, ctx: Context
) -> list[str] | None:
    """The first code proves the authenticator works: MFA is on, the session complete, and the
    recovery codes are returned to be shown once."""
    user, secret = _secret(conn, session["email"], link_secret)
    if user["totp_confirmed"] or not secret:
        return None
    step = mfa.matching_step(secret, code)
    if (
        step is None
        or not rows(
            conn,
            Q.people_accept_totp_step,
            {"user_id": user["user_id"], "step": step, "confirm": True},
        )[0]["accepted"]
    ):
        _failed(conn, session["email"], user["user_id"], ctx, "mfa.enrol_failed")
        return None
    codes = mfa.new_recovery_codes()
    conn.execute(
        Q.people_set_recovery_codes,
        {"user_id": user["user_id"], "hashes": [mfa.code_hash(c) for c in codes]},
    )
    audit.sign_in_event(conn, user["user_id"], "mfa.enrolled", ctx.address, ctx.request_id)
    _complete(conn, session, user["user_id"], ctx)
    return codes


def invitation(conn: psycopg.Connection, token: str) -> dict | None:
    found = rows(conn, Q.people_invitation_of, {"token_hash": token_hash(token)})
    return found[0] if found else None


def accept_invitation(
    conn: psycopg.Connection, token: str, password: str | None, display_name: str, ctx: Context
) -> dict | None:
    """A new user sets a password (checked); an existing user only gains the membership."""
    found = invitation(conn, token)
    if found is None:
        return None
    password_hash = None
    if not found["existing_user"]:
        passwords.check_new(password or "", email=found["email"])
        password_hash = passwords.hash_password(password or "")
    accepted = rows(
        conn,
        Q.people_accept_invitation,
        {
            "token_hash": token_hash(token),
            "password_hash": password_hash,
            "display_name": display_name.strip()[:200],
        },
    )
    if not accepted:
        return None
    audit.sign_in_event(
        conn, accepted[0]["user_id"], "invitation.accepted", ctx.address, ctx.request_id
    )
    return accepted[0]


def own_sessions(conn: psycopg.Connection, user_id: int) -> list[dict]:
    return rows(conn, Q.people_sessions_of, {"user_id": user_id})


def end_own_session(conn: psycopg.Connection, user_id: int, id_hash: str) -> bool:
    return (
        rows(conn, Q.people_session_end_own, {"user_id": user_id, "id_hash": id_hash})[0]["ended"]
        > 0
    )


def reauthenticate(
    conn: psycopg.Connection,
    session: dict,
    password: str,
    code: str,
    link_secret: str,
    ctx: Context,
    failure: str,
) -> dict:
    """Asks a signed-in user for their password and a fresh second factor (a TOTP code newer
    than the last one accepted, or an unused recovery code) before a change to how they sign
    in: a session left open on a shared computer is not enough to take the account over.
    Returns the user; raises PermissionError with the generic error, recording `failure`."""
    user, secret = _secret(conn, session["email"], link_secret)
    if (
        throttled(conn, session["email"], ctx)
        or not passwords.verify(user["password_hash"], password)
        or not secret
        or not _code_accepted(conn, user, secret, code, ctx)
    ):
        _failed(conn, session["email"], user["user_id"], ctx, failure)
        raise PermissionError(GENERIC_ERROR)
    return user


def change_password(
    conn: psycopg.Connection,
    session: dict,
    current_password: str,
    new_password: str,
    code: str,
    link_secret: str,
    ctx: Context,
) -> None:
    """Re-authenticates first, then checks and stores the new password. Raises WeakPassword,
    or PermissionError with the generic error when re-authentication fails."""
    passwords.check_new(new_password, email=session["email"])  # before a code is spent
    user = reauthenticate(
        conn, session, current_password, code, link_secret, ctx, "password.change_failed"
    )
    conn.execute(
        Q.people_set_password,
        {"user_id": user["user_id"], "hash": passwords.hash_password(new_password)},
    )
    audit.sign_in_event(conn, user["user_id"], "password.changed", ctx.address, ctx.request_id)


def renew_recovery_codes(
    conn: psycopg.Connection,
    session: dict,
    password: str,
    code: str,
    link_secret: str,
    ctx: Context,
) -> list[str]:
    """Re-authenticates, then replaces every recovery code with ten new ones (shown once):
    for a user whose codes ran low or may have been seen. Raises PermissionError."""
    user = reauthenticate(
        conn, session, password, code, link_secret, ctx, "mfa.recovery_codes_failed"
    )
    codes = mfa.new_recovery_codes()
    conn.execute(
        Q.people_set_recovery_codes,
        {"user_id": user["user_id"], "hashes": [mfa.code_hash(c) for c in codes]},
    )
    audit.sign_in_event(
        conn, user["user_id"], "mfa.recovery_codes_renewed", ctx.address, ctx.request_id
    )
    return codes


def request_email_change(
    conn: psycopg.Connection,
    session: dict,
    new_email: str,
    password: str,
    code: str,
    link_secret: str,
    base_url: str,
    ctx: Context,
) -> None:
    """Re-authenticates, then mails a confirmation link to the new address (and a notice to
    the current one); the email changes only when that link is opened. The caller says the
    same thing whether or not the new address already has a sign-in. Raises InvalidChange for
    an address that is not one, PermissionError when re-authentication fails."""
    wanted = normalise_email(new_email)  # before a code is spent
    user = reauthenticate(conn, session, password, code, link_secret, ctx, "email.change_failed")
    token = secrets.token_urlsafe(32)
    asked = rows(
        conn,
        Q.people_email_change_request,
        {
            "user_id": user["user_id"],
            "new_email": wanted,
            "token_hash": token_hash(token),
            "link": f"{base_url.rstrip('/')}/account/email/{token}",
        },
    )[0]["asked"]
    if asked:
        audit.sign_in_event(
            conn, user["user_id"], "email.change_requested", ctx.address, ctx.request_id
        )


def confirm_email_change(conn: psycopg.Connection, token: str, ctx: Context) -> bool:
    """Opens a confirmation link: the new email takes effect and every session of the user
    ends. False when the link was used, expired, or the address was taken meanwhile."""
    done = rows(conn, Q.people_email_change_finish, {"token_hash": token_hash(token)})
    if not done:
        return False
    audit.sign_in_event(conn, done[0]["user_id"], "email.changed", ctx.address, ctx.request_id)
    return True


def enter_as_member(conn: psycopg.Connection, session: dict) -> None:
    """Switch the request's connection to the member's account, role and location scope, which
    row-level security then enforces (the pool resets all three when the connection returns)."""
    location = session.get("location_id")
    conn.execute(
        Q.people_enter_tenant,
        {
            "account_id": str(session["account_id"]),
            "role": str(session["role"]),
            "location_id": "" if location is None else str(location),
        },
    )


def request_reset(conn: psycopg.Connection, email: str, base_url: str) -> None:
    """Mail a reset link if the email has a sign-in; the caller says the same thing either way."""
    token = secrets.token_urlsafe(32)
    conn.execute(
        Q.people_reset_request,
        {
            "email": email.strip().lower()[:254],
            "token_hash": token_hash(token),
            "link": f"{base_url.rstrip('/')}/login/reset/{token}",
        },
    )


def reset_target(conn: psycopg.Connection, token: str) -> dict | None:
    found = rows(conn, Q.people_reset_of, {"token_hash": token_hash(token)})
    return found[0] if found else None


def finish_reset(
    conn: psycopg.Connection,
    token: str,
    new_password: str,
    code: str,
    link_secret: str,
    ctx: Context,
) -> bool:
    """A reset never bypasses the second factor: a fresh TOTP code or an unused recovery code
    is required (a user who never enrolled enrols at the next sign-in). Raises WeakPassword."""
    target = reset_target(conn, token)
    if target is None:
        return False
    passwords.check_new(new_password, email=target["email"])
    if throttled(conn, target["email"], ctx):
        return False
    user, secret = _secret(conn, target["email"], link_secret)
    ok = not user["totp_confirmed"]
    if user["totp_confirmed"] and secret:
        ok = _code_accepted(conn, user, secret, code, ctx)
    if not ok:
        _failed(conn, target["email"], user["user_id"], ctx, "password.reset_failed")
        return False
    done = rows(
        conn,
        Q.people_reset_finish,
        {"token_hash": token_hash(token), "password_hash": passwords.hash_password(new_password)},
    )
    if done[0]["done"]:
        audit.sign_in_event(conn, user["user_id"], "password.reset", ctx.address, ctx.request_id)
    return bool(done[0]["done"])


def with_security_key(
    conn: psycopg.Connection,
    session: dict,
    credential: str,
    challenge: bytes,
    public_url: str,
    ctx: Context,
) -> bool:
    """A security key's assertion completes the sign-in instead of a TOTP code."""
    from app_service.people import security_keys

    if throttled(conn, session["email"], ctx):
        return False
    try:
        security_keys.authenticate(conn, session["user_id"], credential, challenge, public_url)
    except security_keys.Refused:
        _failed(conn, session["email"], session["user_id"], ctx, "sign_in.mfa_failed")
        return False
    return _complete(conn, session, session["user_id"], ctx)


def with_sso(conn: psycopg.Connection, identity, ctx: Context) -> Outcome:
    """A sign-in vouched for by the identity provider (which enforces its own MFA): a new
    session, complete at once, in the user's first account."""
    found = rows(
        conn,
        Q.people_sso_user,
        {"issuer": identity.issuer, "subject": identity.subject, "email": identity.email},
    )
    user_id = found[0]["user_id"]
    accounts = rows(conn, Q.people_memberships, {"user_id": user_id}) if user_id else []
    if not accounts:
        audit.sign_in_event(conn, user_id, "sign_in.sso_refused", ctx.address, ctx.request_id)
        return Outcome("invalid")
    session_id = secrets.token_urlsafe(32)
    rows(
        conn,
        Q.people_session_start,
        {
            "session_id": session_id,
            "user_id": user_id,
            "account_id": accounts[0]["account_id"],
            "address": ctx.address,
            "user_agent": ctx.user_agent,
            "sso": True,
        },
    )
    conn.execute(Q.people_session_mfa_done, {"session_id": session_id})
    audit.sign_in_event(conn, user_id, "sign_in.sso", ctx.address, ctx.request_id)
    return Outcome("signed_in", session_id, user_id)
