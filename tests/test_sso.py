"""SSO through the load balancer's authenticate-oidc: the app verifies `x-amzn-oidc-data`
(ES256, key fetched by kid from the regional endpoint, signer = this stage's load balancer,
issuer = the configured provider), links (issuer, subject) to a user by a provider-verified
email once, and refuses everything else with the generic error."""

from __future__ import annotations

import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from app_service.people import sso
from tests.api_support import make_tenant
from tests.test_people import BASE, PASSWORD, Browser, _enrolled_person

ALB = "arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/app/reminderly-prod/abc"
ISSUER = "https://idp.clinic.example"
KID = "0b1f2c3d-4e5f-6789-abcd-ef0123456789"
KEY = ec.generate_private_key(ec.SECP256R1())
PEM = (
    KEY.public_key()
    .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    .decode()
)
SETTINGS = sso.SsoSettings("us-east-1", ALB, ISSUER)


def token(key=KEY, *, signer=ALB, kid=KID, **claims) -> str:
    body = {
        "sub": "idp-user-1",
        "iss": ISSUER,
        "exp": int(time.time()) + 60,
        "email": "owner@example.com",
        "email_verified": "true",
        **claims,
    }
    return jwt.encode(body, key, algorithm="ES256", headers={"kid": kid, "signer": signer})


def fetch(url: str) -> str:
    assert url == f"https://public-keys.auth.elb.us-east-1.amazonaws.com/{KID}"
    return PEM


def test_only_this_load_balancers_tokens_for_the_configured_provider_pass():
    assert sso.verify(token(), SETTINGS, fetch).subject == "idp-user-1"
    other_key = ec.generate_private_key(ec.SECP256R1())
    for bad in (
        token(other_key),
        token(signer=ALB.replace("abc", "xyz")),
        token(iss="https://evil.example"),
        token(exp=int(time.time()) - 600),
        token(kid="../../evil"),
        "not-a-token",
        jwt.encode(
            {"sub": "x", "iss": ISSUER, "exp": int(time.time()) + 60},
            "secret",
            algorithm="HS256",
            headers={"kid": KID, "signer": ALB},
        ),
    ):
        with pytest.raises(sso.Refused):
            sso.verify(bad, SETTINGS, fetch)
    unverified = sso.verify(token(email_verified=False), SETTINGS, fetch)
    assert unverified.email is None  # an unverified address never links an account


def test_sso_signs_a_member_in_and_refuses_strangers(app, conn, monkeypatch):
    monkeypatch.setenv("REMINDERLY_SSO_ALB_ARN", ALB)
    monkeypatch.setenv("REMINDERLY_SSO_ISSUER", ISSUER)
    monkeypatch.setattr(sso, "fetch_key", fetch)
    account = make_tenant(conn, app, "Clinic").account_id
    _enrolled_person(app, conn, account, "owner@example.com")
    b = Browser(app)
    signed = b.client.get("/login/sso", base_url=BASE, headers={"x-amzn-oidc-data": token()})
    assert signed.status_code == 302 and b.get("/").status_code == 200
    linked = conn.execute("SELECT issuer, subject FROM user_identities").fetchall()
    assert linked == [(ISSUER, "idp-user-1")]
    # later arrivals use the link, whatever email the provider sends now
    again = Browser(app).client.get(
        "/login/sso",
        base_url=BASE,
        headers={"x-amzn-oidc-data": token(email="changed@example.com")},
    )
    assert again.status_code == 302
    stranger = Browser(app).client.get(
        "/login/sso",
        base_url=BASE,
        headers={"x-amzn-oidc-data": token(sub="idp-user-2", email="x@example.com")},
    )
    assert stranger.status_code == 403
    forged = Browser(app).client.get(
        "/login/sso",
        base_url=BASE,
        headers={"x-amzn-oidc-data": token(ec.generate_private_key(ec.SECP256R1()))},
    )
    assert forged.status_code == 401
    monkeypatch.delenv("REMINDERLY_SSO_ISSUER")
    assert (
        Browser(app)
        .client.get("/login/sso", base_url=BASE, headers={"x-amzn-oidc-data": token()})
        .status_code
        == 404
    )


def _sso_browser(app, **claims) -> Browser:
    b = Browser(app, "198.51.100.20")
    signed = b.client.get(
        "/login/sso", base_url=BASE, headers={"x-amzn-oidc-data": token(**claims)}
    )
    assert signed.status_code == 302
    return b


def test_an_account_that_requires_sso_takes_no_password_sign_in(app, conn, monkeypatch):
    """An owner who signed in through SSO requires it for the account: the account's password
    sessions stop at once, password sign-in says to use SSO, SSO still signs in; requiring it
    from a password session, without SSO on the platform, or below admin is refused."""
    account = make_tenant(conn, app, "Clinic").account_id
    owner, _, _ = _enrolled_person(app, conn, account, "owner@example.com")
    staff, _, _ = _enrolled_person(app, conn, account, "staff@example.com", role="staff")
    require = {"sign_in_method": "sso"}

    not_set_up = owner.post("/settings/sign-in", require, refresh="/settings")
    assert not_set_up.status_code == 400
    assert "not set up on this platform" in not_set_up.get_data(as_text=True)
    monkeypatch.setenv("REMINDERLY_SSO_ALB_ARN", ALB)
    monkeypatch.setenv("REMINDERLY_SSO_ISSUER", ISSUER)
    monkeypatch.setattr(sso, "fetch_key", fetch)
    from_password = owner.post("/settings/sign-in", require, refresh="/settings")
    assert from_password.status_code == 400
    assert "sign in through single sign-on first" in from_password.get_data(as_text=True)
    assert staff.post("/settings/sign-in", require, refresh="/settings").status_code == 403
    assert (
        conn.execute("SELECT sign_in_method FROM accounts WHERE id = %s", [account]).fetchone()[0]
        == "password"
    )

    through_sso = _sso_browser(app)
    assert 'value="sso"' in through_sso.get("/settings").get_data(as_text=True)
    bad = through_sso.post("/settings/sign-in", {"sign_in_method": "magic"}, refresh="/settings")
    assert bad.status_code == 400 and "one of password, sso" in bad.get_data(as_text=True)
    done = through_sso.post("/settings/sign-in", require, refresh="/settings")
    assert done.status_code == 302 and done.headers["Location"] == "/settings?saved=1"
    assert through_sso.get("/").status_code == 200  # the SSO session goes on

    for password_session in (owner, staff):  # ended at once
        assert password_session.get("/").headers["Location"].startswith("/login")
    again = Browser(app, "192.0.2.30").post(
        "/login", {"email": "staff@example.com", "password": PASSWORD}
    )
    assert again.status_code == 403 and "single sign-on" in again.get_data(as_text=True)
    wrong = Browser(app, "192.0.2.31").post(
        "/login", {"email": "staff@example.com", "password": "not the password"}
    )
    assert wrong.status_code == 401  # a wrong password learns nothing about the method
    assert "single sign-on" not in wrong.get_data(as_text=True)
    entry = conn.execute(
        "SELECT before, after FROM audit_log WHERE action = 'settings.changed'"
    ).fetchone()
    assert entry == ({"sign_in_method": "password"}, {"sign_in_method": "sso"})

    back = through_sso.post(
        "/settings/sign-in", {"sign_in_method": "password"}, refresh="/settings"
    )
    assert back.status_code == 302
    assert (
        Browser(app, "192.0.2.32")
        .post("/login", {"email": "staff@example.com", "password": PASSWORD})
        .status_code
        == 302
    )
