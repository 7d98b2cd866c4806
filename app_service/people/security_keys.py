"""WebAuthn security keys as a second factor (py_webauthn verifies attestation and assertions):
registered by a signed-in user, then accepted at sign-in instead of a TOTP code. The relying
party is the console's own host; the challenge lives in the server-side session's cookie
state for one ceremony."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import psycopg
import webauthn
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.exceptions import InvalidAuthenticationResponse, InvalidRegistrationResponse
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from app_service.db import rows
from app_service.people import audit
from app_service.queries import Q

RP_NAME = "reminderly"


class Refused(ValueError):
    """The ceremony did not verify (wrong origin, challenge, signature, or a cloned key)."""


def relying_party(public_url: str) -> tuple[str, str]:
    """(rp_id, origin) from the console's public URL."""
    parts = urlsplit(public_url)
    return parts.hostname or "localhost", f"{parts.scheme}://{parts.netloc}"


def _descriptors(conn: psycopg.Connection, user_id: int) -> list[PublicKeyCredentialDescriptor]:
    return [
        PublicKeyCredentialDescriptor(id=bytes(k["credential_id"]))
        for k in rows(conn, Q.people_security_keys, {"user_id": user_id})
    ]


def listed(conn: psycopg.Connection, user_id: int) -> list[dict]:
    return [
        {**k, "id": bytes_to_base64url(bytes(k["credential_id"]))}
        for k in rows(conn, Q.people_security_keys, {"user_id": user_id})
    ]


def registration_options(
    conn: psycopg.Connection, user: dict, public_url: str
) -> tuple[str, bytes]:
    """The options JSON for navigator.credentials.create, and the challenge to keep."""
    rp_id, _ = relying_party(public_url)
    options = webauthn.generate_registration_options(
        rp_id=rp_id,
        rp_name=RP_NAME,
        user_name=user["email"],
        user_id=str(user["user_id"]).encode(),
        user_display_name=user.get("display_name") or user["email"],
        exclude_credentials=_descriptors(conn, user["user_id"]),
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.DISCOURAGED,
            user_verification=UserVerificationRequirement.PREFERRED,
        ),
    )
    return webauthn.options_to_json(options), options.challenge


def register(
    conn: psycopg.Connection,
    user: dict,
    credential: str,
    challenge: bytes,
    public_url: str,
    name: str,
    actor: audit.Actor,
) -> None:
    rp_id, origin = relying_party(public_url)
    try:
        verified = webauthn.verify_registration_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=rp_id,
            expected_origin=origin,
        )
    except (InvalidRegistrationResponse, ValueError, KeyError, json.JSONDecodeError) as exc:
        raise Refused(f"the security key's answer did not verify ({type(exc).__name__})") from None
    conn.execute(
        Q.people_add_security_key,
        {
            "user_id": user["user_id"],
            "credential_id": verified.credential_id,
            "public_key": verified.credential_public_key,
            "sign_count": verified.sign_count,
            "name": (name.strip() or "Security key")[:100],
        },
    )
    audit.record(
        conn, actor, "mfa.security_key_added", object_type="user", object_id=user["user_id"]
    )


def remove(conn: psycopg.Connection, user: dict, key_id: str, actor: audit.Actor) -> str:
    """Removes one of the user's own keys (the caller re-authenticated them); returns its
    name. Raises Refused for a key that is not theirs."""
    try:
        credential_id = base64url_to_bytes(key_id)
    except (ValueError, TypeError):
        raise Refused("no such security key") from None
    removed = rows(
        conn,
        Q.people_remove_security_key,
        {"user_id": user["user_id"], "credential_id": credential_id},
    )[0]["removed"]
    if removed is None:
        raise Refused("no such security key")
    audit.record(
        conn,
        actor,
        "mfa.security_key_removed",
        object_type="user",
        object_id=user["user_id"],
        before={"name": removed},
    )
    return removed


def authentication_options(
    conn: psycopg.Connection, user_id: int, public_url: str
) -> tuple[str, bytes] | None:
    """Options for navigator.credentials.get, or None when the user has no security key."""
    allowed = _descriptors(conn, user_id)
    if not allowed:
        return None
    rp_id, _ = relying_party(public_url)
    options = webauthn.generate_authentication_options(
        rp_id=rp_id,
        allow_credentials=allowed,
        user_verification=UserVerificationRequirement.PREFERRED,
    )
    return webauthn.options_to_json(options), options.challenge


def authenticate(
    conn: psycopg.Connection, user_id: int, credential: str, challenge: bytes, public_url: str
) -> None:
    """Verify an assertion by one of the user's keys; raises Refused."""
    rp_id, origin = relying_party(public_url)
    try:
        raw_id = webauthn.base64url_to_bytes(json.loads(credential)["rawId"])
    except (ValueError, KeyError, TypeError, json.JSONDecodeError):
        raise Refused("the security key's answer is malformed") from None
    key = next(
        (
            k
            for k in rows(conn, Q.people_security_keys, {"user_id": user_id})
            if bytes(k["credential_id"]) == raw_id
        ),
        None,
    )
    if key is None:
        raise Refused("that security key is not registered to this sign-in")
    try:
        verified = webauthn.verify_authentication_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=rp_id,
            expected_origin=origin,
            credential_public_key=bytes(key["public_key"]),
            credential_current_sign_count=key["sign_count"],
        )
    except (InvalidAuthenticationResponse, ValueError, KeyError) as exc:
        raise Refused(f"the security key's answer did not verify ({type(exc).__name__})") from None
    used = rows(
        conn,
        Q.people_use_security_key,
        {"user_id": user_id, "credential_id": raw_id, "sign_count": verified.new_sign_count},
    )[0]["used"]
    if not used:
        raise Refused("the key's counter went backwards: it may have been cloned")
