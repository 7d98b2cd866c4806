"""People in the console: invitations, password + TOTP sign-in, roles, sessions and the
append-only audit log, driven through the dashboard's real forms (in-process Flask client over
the real PostgreSQL). Each test states the rule it would catch breaking."""

from __future__ import annotations

import json
import re
import time

import psycopg
import pyotp
import pytest

from app_service.people import audit, directory, passwords
from tests.api_support import IDS, make_tenant

BASE = "https://localhost"
PASSWORD = "correct horse battery staple, twice"


def _csrf(html: str, default: str = "") -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    return found.group(1) if found else default


class Browser:
    """A test client that carries the CSRF token of the last page it read."""

    def __init__(self, app, address: str = "203.0.113.7"):
        self.client = app.test_client()
        self.client.environ_base.update({"wsgi.url_scheme": "https", "REMOTE_ADDR": address})
        self.csrf = ""

    def get(self, path: str):
        """Paths are written with row ids; the console's links carry public ids."""
        response = self.client.get(IDS.publish_path(path), base_url=BASE)
        text = response.get_data(as_text=True)
        if 'name="csrf_token"' in text:
            self.csrf = _csrf(text, self.csrf)
        return response

    def post(self, path: str, data: dict | None = None, *, refresh: str | None = None):
        if refresh or not self.csrf:
            self.get(refresh or "/login")
        response = self.client.post(
            IDS.publish_path(path), data={**(data or {}), "csrf_token": self.csrf}, base_url=BASE
        )
        text = response.get_data(as_text=True)
        if 'name="csrf_token"' in text:
            self.csrf = _csrf(text, self.csrf)
        return response


def _invite_link(conn, account_id: int, email: str, role: str = "owner", location_id=None) -> str:
    operator = audit.Actor(account_id=account_id, role=None, address="cli")
    return directory.invite(
        conn, operator, email, role, base_url=BASE, location_id=location_id
    ).link


def _accept(app, link: str, password: str = PASSWORD) -> None:
    b = Browser(app)
    path = link.removeprefix(BASE)
    assert b.get(path).status_code == 200
    assert b.post(path, {"password": password, "display_name": "Pat"}).status_code == 302


def _secret_from_setup(html: str) -> str:
    return re.search(r'id="secret" readonly size="40" value="([A-Z2-7]+)"', html).group(1)


def _sign_in(app, email: str, password: str = PASSWORD, address: str = "203.0.113.7"):
    b = Browser(app, address)
    return b, b.post("/login", {"email": email, "password": password})


def _enrolled_person(app, conn, account_id: int, email: str, role: str = "owner", **kw):
    """Invite, accept, sign in, enrol TOTP: a browser signed in, the TOTP, the recovery codes."""
    _accept(app, _invite_link(conn, account_id, email, role, **kw))
    b, first = _sign_in(app, email)
    assert first.status_code == 302 and first.headers["Location"] == "/mfa/setup"
    secret = _secret_from_setup(b.get("/mfa/setup").get_data(as_text=True))
    done = b.post("/mfa/setup", {"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200
    codes = re.findall(r"<li><code>([a-z2-7-]+)</code></li>", done.get_data(as_text=True))
    assert len(codes) == 10
    return b, pyotp.TOTP(secret), codes


def test_invitation_password_and_totp_open_the_console_and_nothing_less(app, conn):
    account = make_tenant(conn, app, "Smile Dental").account_id
    link = _invite_link(conn, account, "Owner@Example.com")
    # the invitation is mailed (the local mailbox in development) and single-use
    mailed = directory.mail(conn, 5)[0]
    assert mailed["recipient"] == "owner@example.com" and link in mailed["body"]
    _accept(app, link)
    assert Browser(app).get(link.removeprefix(BASE)).status_code == 404  # used once
    b, first = _sign_in(app, "owner@example.com")
    # the password alone opens nothing but the enrolment page
    assert first.headers["Location"] == "/mfa/setup"
    assert b.get("/").headers["Location"] == "/mfa/setup"
    assert b.get("/people").headers["Location"] == "/mfa/setup"
    secret = _secret_from_setup(b.get("/mfa/setup").get_data(as_text=True))
    assert b.post("/mfa/setup", {"code": "000000"}).status_code == 400
    assert b.post("/mfa/setup", {"code": pyotp.TOTP(secret).now()}).status_code == 200
    home = b.get("/")
    assert home.status_code == 200 and "Smile Dental" in home.get_data(as_text=True)
    # the secret is stored sealed, never as the base32 the app shows
    stored = conn.execute("SELECT totp_secret FROM users WHERE email = 'owner@example.com'")
    assert secret not in stored.fetchone()[0]


def test_second_factor_is_required_on_every_sign_in_and_each_code_works_once(app, conn):
    account = make_tenant(conn, app, "Clinic").account_id
    _, totp, codes = _enrolled_person(app, conn, account, "doc@example.com")
    b, first = _sign_in(app, "doc@example.com")
    assert first.headers["Location"] == "/login/mfa"
    assert b.get("/").headers["Location"] == "/login/mfa"
    code = totp.at(time.time() + 30)  # the enrolment used this step's code: a code works once
    assert b.post("/login/mfa", {"code": code}, refresh="/login/mfa").status_code == 302
    assert b.get("/").status_code == 200
    # the same code, replayed in a new sign-in, is refused (a code works once)
    b2, _ = _sign_in(app, "doc@example.com")
    refused = b2.post("/login/mfa", {"code": code}, refresh="/login/mfa")
    assert refused.status_code == 401 and "not right" in refused.get_data(as_text=True)
    # a recovery code works once
    assert b2.post("/login/mfa", {"code": codes[0].upper()}).status_code == 302
    b3, _ = _sign_in(app, "doc@example.com")
    assert b3.post("/login/mfa", {"code": codes[0]}, refresh="/login/mfa").status_code == 401


def test_one_generic_error_and_a_throttle_that_cannot_lock_the_owner_out(app, conn):
    account = make_tenant(conn, app, "Clinic").account_id
    _enrolled_person(app, conn, account, "owner@example.com")
    _, unknown = _sign_in(app, "nobody@example.com", "whatever-password")
    _, wrong = _sign_in(app, "owner@example.com", "wrong password here")
    assert unknown.status_code == wrong.status_code == 401
    strip = lambda r: re.sub(r'value="[^"]*"', "", r.get_data(as_text=True))  # noqa: E731
    assert strip(unknown).replace("nobody@example.com", "X") == strip(wrong).replace(
        "owner@example.com", "X"
    )
    attacker = "198.51.100.66"
    for _ in range(10):
        _sign_in(app, "owner@example.com", "guess guess guess", attacker)
    _, blocked = _sign_in(app, "owner@example.com", PASSWORD, attacker)
    assert blocked.status_code == 429 and blocked.headers["Retry-After"]
    # the owner, from their own address, still signs in
    _, mine = _sign_in(app, "owner@example.com", PASSWORD, "203.0.113.7")
    assert mine.status_code == 302 and mine.headers["Location"] == "/login/mfa"
    logged = conn.execute(
        "SELECT count(*) FROM audit_log WHERE action = 'sign_in.failed' AND account_id = %s",
        [account],
    ).fetchone()[0]
    assert logged >= 11


@pytest.mark.parametrize(
    ("candidate", "accepted"),
    [
        ("password1", False),  # among the most common
        ("short", False),
        ("x" * 129, False),
        ("owner@example.com", False),
        ("a long passphrase of sixty-four characters, spaces and commas ok" + "!", True),
        ("\uff30\uff41\uff53\uff53 phrase with fullwidth letters", True),
    ],
)
def test_password_rules_follow_asvs(candidate, accepted):
    if accepted:
        passwords.check_new(candidate, email="owner@example.com")
        assert passwords.verify(passwords.hash_password(candidate), candidate)
    else:
        with pytest.raises(passwords.WeakPassword):
            passwords.check_new(candidate, email="owner@example.com")


def test_weak_password_is_refused_on_the_invitation_page(app, conn):
    account = make_tenant(conn, app, "Clinic").account_id
    link = _invite_link(conn, account, "new@example.com", "staff")
    b = Browser(app)
    b.get(link.removeprefix(BASE))
    refused = b.post(link.removeprefix(BASE), {"password": "password1"})
    assert refused.status_code == 400 and "common" in refused.get_data(as_text=True)
    _accept(app, link)  # still open: nothing was half-written


def test_roles_follow_the_matrix_and_the_last_owner_stays(app, conn):
    account = make_tenant(conn, app, "Clinic").account_id
    owner, _, _ = _enrolled_person(app, conn, account, "owner@example.com")
    # the owner invites an admin and a viewer through the console
    for email, role in (("admin@example.com", "admin"), ("viewer@example.com", "viewer")):
        sent = owner.post("/people/invite", {"email": email, "role": role}, refresh="/people")
        assert sent.status_code == 200 and f"Invitation sent to {email}" in sent.get_data(
            as_text=True
        )
    links = {
        m["recipient"]: re.search(r"https://\S+", m["body"]).group(0)
        for m in directory.mail(conn, 10)
    }
    admin, viewer = (
        _enrolled_person_from_link(app, links[e], e)
        for e in ("admin@example.com", "viewer@example.com")
    )
    ids = dict(conn.execute("SELECT email, id FROM users").fetchall())
    # a viewer reads and changes nothing, even by direct URL
    assert viewer.get("/").status_code == 200
    refused = viewer.get("/people")
    assert refused.status_code == 403
    # a person in a browser gets the console's page, not the API's problem+json
    assert refused.mimetype == "text/html" and "Forbidden" in refused.get_data(as_text=True)
    assert viewer.get("/audit").status_code == 403
    assert (
        viewer.post("/people/invite", {"email": "x@example.com", "role": "staff"}).status_code
        == 403
    )
    assert viewer.post("/locations", {"external_id": "X"}).status_code == 403
    # an admin manages people but cannot make or touch an owner
    assert (
        admin.post(
            "/people/invite", {"email": "o2@example.com", "role": "owner"}, refresh="/people"
        ).status_code
        == 403
    )
    assert (
        admin.post(f"/people/{ids['owner@example.com']}/remove", refresh="/people").status_code
        == 403
    )
    assert (
        admin.post(
            f"/people/{ids['viewer@example.com']}/role", {"role": "staff"}, refresh="/people"
        ).status_code
        == 302
    )
    # the last owner can neither leave nor be demoted
    assert owner.post(
        f"/people/{ids['owner@example.com']}/role", {"role": "admin"}, refresh="/people"
    ).status_code in (400, 403)
    with pytest.raises(psycopg.errors.CheckViolation):
        conn.execute("DELETE FROM memberships WHERE user_id = %s", [ids["owner@example.com"]])


def _enrolled_person_from_link(app, link: str, email: str):
    _accept(app, link)
    b, _ = _sign_in(app, email)
    secret = _secret_from_setup(b.get("/mfa/setup").get_data(as_text=True))
    assert b.post("/mfa/setup", {"code": pyotp.TOTP(secret).now()}).status_code == 200
    return b


def test_removal_and_role_change_end_sessions_and_own_sessions_can_be_ended(app, conn):
    account = make_tenant(conn, app, "Clinic").account_id
    owner, _, _ = _enrolled_person(app, conn, account, "owner@example.com")
    staff, _, _ = _enrolled_person(app, conn, account, "staff@example.com", "staff")
    assert staff.get("/").status_code == 200
    staff_id = conn.execute("SELECT id FROM users WHERE email = 'staff@example.com'").fetchone()[0]
    assert owner.post(f"/people/{staff_id}/remove", refresh="/people").status_code == 302
    assert staff.get("/").headers["Location"] == "/login"  # ended at once, not at expiry
    # one's own second session ends from the sessions page
    second, _ = _sign_in(app, "owner@example.com", address="192.0.2.9")
    page = owner.get("/sessions").get_data(as_text=True)
    assert "192.0.2.9" in page
    hashes = re.findall(r'name="session" value="([0-9a-f]{64})"', page)
    assert len(hashes) == 2
    for h in hashes:  # end the other one (the one from 192.0.2.9), keep ours
        row = page.split(h)[0].rsplit("<tr>", 1)[1]
        if "192.0.2.9" in row:
            assert (
                owner.post("/sessions/end", {"session": h}, refresh="/sessions").status_code == 302
            )
    assert second.get("/login/mfa").headers["Location"] == "/login"
    assert owner.get("/").status_code == 200


def test_the_audit_log_records_changes_is_append_only_and_per_account(app, conn):
    account = make_tenant(conn, app, "Clinic").account_id
    other = make_tenant(conn, app, "Other").account_id
    owner, _, _ = _enrolled_person(app, conn, account, "owner@example.com")
    other_owner, _, _ = _enrolled_person(app, conn, other, "other@example.com")
    owner.post("/people/invite", {"email": "=cmd@example.com", "role": "staff"}, refresh="/people")
    owner.post("/locations", {"external_id": "=HYPERLINK(1)", "name": "Main"}, refresh="/locations")
    page = owner.get("/audit").get_data(as_text=True)
    for action in ("invitation.created", "location.saved", "sign_in.succeeded", "mfa.enrolled"):
        assert action in page
    csv_text = owner.get("/audit?format=csv").get_data(as_text=True)
    assert "'=HYPERLINK(1)" in csv_text and ",=HYPERLINK" not in csv_text
    # the other account's owner sees none of it
    assert "=cmd@example.com" not in other_owner.get("/audit?format=csv").get_data(as_text=True)
    # append-only for everyone, including the table's owner
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("UPDATE audit_log SET action = 'x'")
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("DELETE FROM audit_log")
    # the API's role has no UPDATE or DELETE grant at all
    grants = conn.execute(
        "SELECT privilege_type FROM information_schema.role_table_grants "
        "WHERE table_name = 'audit_log' AND grantee = 'reminderly_api'"
    ).fetchall()
    assert {g[0] for g in grants} == {"SELECT", "INSERT"}
    # retention: only entries older than the account's setting are purged
    conn.execute("SET session_replication_role = replica")  # backdate one entry for the test
    conn.execute(
        "UPDATE audit_log SET at = now() - interval '500 days' WHERE id = (SELECT min(id) FROM audit_log WHERE account_id = %s)",
        [account],
    )
    conn.execute("SET session_replication_role = origin")
    before = conn.execute("SELECT count(*) FROM audit_log").fetchone()[0]
    assert audit.purge(conn) == 1
    assert conn.execute("SELECT count(*) FROM audit_log").fetchone()[0] == before - 1


def test_a_user_in_another_account_cannot_reach_this_one(app, conn):
    account = make_tenant(conn, app, "Clinic").account_id
    other = make_tenant(conn, app, "Other").account_id
    _enrolled_person(app, conn, account, "owner@example.com")
    intruder, _, _ = _enrolled_person(app, conn, other, "intruder@example.com")
    owner_id = conn.execute("SELECT id FROM users WHERE email = 'owner@example.com'").fetchone()[0]
    # role changes and removals name users of the caller's account only (RLS): 404
    assert intruder.post(f"/people/{owner_id}/remove", refresh="/people").status_code == 404
    assert (
        intruder.post(f"/people/{owner_id}/role", {"role": "viewer"}, refresh="/people").status_code
        == 404
    )
    assert "owner@example.com" not in intruder.get("/people").get_data(as_text=True)
    invitation = conn.execute(
        "SELECT id FROM invitations WHERE account_id = %s", [account]
    ).fetchone()[0]
    assert (
        intruder.post(f"/people/invitations/{invitation}/resend", refresh="/people").status_code
        == 404
    )


def test_cli_bootstraps_the_first_owner_and_refuses_bad_input_in_one_line(db_url, conn, app):
    from tests.test_cli import cli

    account = make_tenant(conn, app, "Clinic").account_id
    made = cli(db_url, "user", "invite", "--account", str(account), "--email", "Boss@Example.com")
    assert made.returncode == 0, made.stderr
    link = json.loads(made.stdout)["link"]
    assert json.loads(made.stdout)["role"] == "owner" and "/invitations/" in link
    _accept(app, link.replace("http://localhost:8080", BASE))
    assert (
        conn.execute(
            "SELECT m.role FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.email = 'boss@example.com'"
        ).fetchone()[0]
        == "owner"
    )
    bad = cli(db_url, "user", "invite", "--account", str(account), "--email", "not-an-email")
    assert (
        bad.returncode != 0
        and bad.stderr.count("\n") == 1
        and bad.stderr.startswith("error: email")
    )
    mail = cli(db_url, "user", "mail", "--limit", "1")
    assert json.loads(mail.stdout.splitlines()[0])["recipient"] == "boss@example.com"


def test_changing_the_password_needs_the_current_one_and_a_fresh_code(app, conn):
    account = make_tenant(conn, app, "Clinic").account_id
    me, totp, _ = _enrolled_person(app, conn, account, "me@example.com")
    new = "a different long passphrase, 2026"
    wrong = me.post(
        "/account/password",
        {"current": "nope", "new": new, "code": totp.at(time.time() + 30)},
        refresh="/account/password",
    )
    assert wrong.status_code == 401
    no_code = me.post(
        "/account/password",
        {"current": PASSWORD, "new": new, "code": "123456"},
        refresh="/account/password",
    )
    assert no_code.status_code == 401
    weak = me.post(
        "/account/password",
        {"current": PASSWORD, "new": "password1", "code": totp.at(time.time() + 30)},
        refresh="/account/password",
    )
    assert weak.status_code == 400  # the new one is common: refused before any code is spent
    _, old_still_works = _sign_in(app, "me@example.com", PASSWORD, "192.0.2.1")
    assert old_still_works.status_code == 302
    done = me.post(
        "/account/password",
        {"current": PASSWORD, "new": new, "code": totp.at(time.time() + 30)},
        refresh="/account/password",
    )
    assert done.status_code == 200 and "is changed" in done.get_data(as_text=True)
    assert _sign_in(app, "me@example.com", PASSWORD, "192.0.2.2")[1].status_code == 401
    assert _sign_in(app, "me@example.com", new, "192.0.2.3")[1].status_code == 302


def _mail_to(conn, recipient: str) -> list[str]:
    """Subject and body of each mail to the recipient, newest first."""
    found = directory.mail(conn, 50)
    return [f"{m['subject']}\n{m['body']}" for m in found if m["recipient"] == recipient]


def test_changing_the_email_needs_re_authentication_and_the_new_address(app, conn):
    account = make_tenant(conn, app, "Clinic").account_id
    me, totp, recovery = _enrolled_person(app, conn, account, "me@example.com")
    _enrolled_person(app, conn, account, "taken@example.com")

    def ask(email: str, password: str = PASSWORD, code: str | None = None):
        code = code or totp.at(time.time() + 30)
        return me.post(
            "/account/email",
            {"email": email, "current": password, "code": code},
            refresh="/account/email",
        )

    assert ask("new@example.com", password="nope").status_code == 401
    assert ask("new@example.com", code="123456").status_code == 401
    bad = ask("not an address")
    assert bad.status_code == 400 and "New email" in bad.get_data(as_text=True)
    assert conn.execute("SELECT count(*) FROM email_changes").fetchone()[0] == 0
    assert _mail_to(conn, "new@example.com") == []

    # an address with a sign-in gets the same answer; nothing changes, that address is told
    taken = ask("Taken@Example.com")
    assert taken.status_code == 200 and "on its way" in taken.get_data(as_text=True)
    assert conn.execute("SELECT count(*) FROM email_changes").fetchone()[0] == 0
    assert "already has a sign-in" in _mail_to(conn, "taken@example.com")[0]

    asked = ask("new@example.com", code=recovery[0])  # this step's code is spent: a recovery code
    assert asked.status_code == 200 and "on its way" in asked.get_data(as_text=True)
    link = re.search(r"https?://\S+", _mail_to(conn, "new@example.com")[0]).group(0)
    assert any("is being changed" in body for body in _mail_to(conn, "me@example.com"))

    # opening the link changes nothing (mail scanners follow links); the button does
    visitor = Browser(app, "198.51.100.9")
    path = link.removeprefix(BASE)
    assert visitor.get(path).status_code == 200
    assert (
        conn.execute(
            "SELECT email FROM users WHERE id = (SELECT user_id FROM email_changes)"
        ).fetchone()[0]
        == "me@example.com"
    )
    done = visitor.post(path)
    assert done.status_code == 302 and done.headers["Location"] == "/login?email_changed=1"
    assert visitor.post(path, refresh=path).status_code == 404  # single use
    assert me.get("/").headers["Location"].startswith("/login")  # every session ended
    assert "now new@example.com" in _mail_to(conn, "me@example.com")[0]
    assert _sign_in(app, "me@example.com", PASSWORD, "192.0.2.4")[1].status_code == 401
    assert _sign_in(app, "new@example.com", PASSWORD, "192.0.2.5")[1].status_code == 302
    actions = [
        r[0]
        for r in conn.execute(
            "SELECT action FROM audit_log WHERE action LIKE 'email.%%' ORDER BY id"
        )
    ]
    assert actions == [
        "email.change_failed",
        "email.change_failed",
        "email.change_requested",  # the taken address: asked, though nothing could change
        "email.change_requested",
        "email.changed",
    ]


def test_an_expired_email_link_changes_nothing(app, conn):
    account = make_tenant(conn, app, "Clinic").account_id
    me, totp, _ = _enrolled_person(app, conn, account, "me@example.com")
    me.post(
        "/account/email",
        {"email": "later@example.com", "current": PASSWORD, "code": totp.at(time.time() + 30)},
        refresh="/account/email",
    )
    conn.execute("UPDATE email_changes SET expires_at = now() - interval '1 second'")
    link = re.search(r"https?://\S+", _mail_to(conn, "later@example.com")[0]).group(0)
    assert Browser(app).post(link.removeprefix(BASE)).status_code == 404
    assert conn.execute("SELECT count(*) FROM users WHERE email = 'me@example.com'").fetchone()[0]


def test_new_recovery_codes_replace_the_old_after_re_authentication(app, conn):
    account = make_tenant(conn, app, "Clinic").account_id
    me, totp, old = _enrolled_person(app, conn, account, "me@example.com")
    path = "/account/recovery-codes"
    assert me.get(path).status_code == 200
    wrong = me.post(path, {"current": "nope", "code": old[0]}, refresh=path)
    assert wrong.status_code == 401 and "<code>" not in wrong.get_data(as_text=True)
    made = me.post(path, {"current": PASSWORD, "code": totp.at(time.time() + 30)}, refresh=path)
    assert made.status_code == 200
    new = re.findall(r"<li><code>([a-z2-7-]+)</code></li>", made.get_data(as_text=True))
    assert len(new) == 10 and not set(new) & set(old)
    # an old code, never used, no longer counts; a new one does
    assert me.post(path, {"current": PASSWORD, "code": old[1]}, refresh=path).status_code == 401
    assert me.post(path, {"current": PASSWORD, "code": new[0]}, refresh=path).status_code == 200
    actions = [
        r[0]
        for r in conn.execute(
            "SELECT action FROM audit_log WHERE action LIKE 'mfa.recovery%%' ORDER BY id"
        )
    ]
    assert actions == [
        "mfa.recovery_codes_failed",
        "mfa.recovery_codes_renewed",
        "mfa.recovery_codes_failed",
        "mfa.recovery_codes_renewed",
    ]


def test_removing_a_security_key_needs_re_authentication_and_ones_own_key(app, conn):
    account = make_tenant(conn, app, "Clinic").account_id
    me, totp, codes = _enrolled_person(app, conn, account, "me@example.com")
    _enrolled_person(app, conn, account, "other@example.com")
    for email, key in (("me@example.com", b"mine"), ("other@example.com", b"theirs")):
        conn.execute(
            "INSERT INTO webauthn_credentials (credential_id, user_id, public_key, sign_count,"
            " name) SELECT %s, id, 'k', 0, %s FROM users WHERE email = %s",
            [key, f"{email} key", email],
        )
    page = me.get("/account/security-keys").get_data(as_text=True)
    assert "me@example.com key" in page and "other@example.com key" not in page
    mine, theirs = "bWluZQ", "dGhlaXJz"  # base64url of the two credential ids
    remove = "/account/security-keys/remove"
    refresh = "/account/security-keys"
    assert (
        me.post(
            remove, {"key": mine, "current": PASSWORD, "code": "000000"}, refresh=refresh
        ).status_code
        == 401
    )
    assert (
        me.post(
            remove,
            {"key": theirs, "current": PASSWORD, "code": totp.at(time.time() + 30)},
            refresh=refresh,
        ).status_code
        == 404
    )
    done = me.post(remove, {"key": mine, "current": PASSWORD, "code": codes[0]}, refresh=refresh)
    assert done.status_code == 200 and "Removed me@example.com key" in done.get_data(as_text=True)
    left = [r[0] for r in conn.execute("SELECT name FROM webauthn_credentials ORDER BY name")]
    assert left == ["other@example.com key"]
    assert (
        conn.execute(
            "SELECT count(*) FROM audit_log WHERE action = 'mfa.security_key_removed'"
        ).fetchone()[0]
        == 1
    )


def test_a_keys_changes_over_the_api_are_audited_in_its_account_only(app, conn):
    from tests.api_support import CAMPAIGN

    tenant = make_tenant(conn, app, "Clinic")
    other = make_tenant(conn, app, "Other")
    made = tenant.post("/v1/campaigns", json=CAMPAIGN)
    assert made.status_code == 201
    assert tenant.get("/v1/campaigns").status_code == 200  # reads are not changes
    assert tenant.post("/v1/campaigns", json={"name": ""}).status_code == 400  # nor refusals
    found = conn.execute(
        "SELECT account_id, actor_key, actor_role, action, object_id FROM audit_log"
    ).fetchall()
    assert [(r[0], r[2], r[3], r[4]) for r in found] == [
        (tenant.account_id, "key", "api.createCampaign", "/v1/campaigns")
    ]
    assert found[0][1] is not None and other.account_id not in {r[0] for r in found}


def _as_member(conn, account_id: int, role: str, location_id=None) -> None:
    conn.execute(
        "SELECT set_config('role', 'reminderly_api', false), set_config('reminderly.account_id', %s, false),"
        " set_config('reminderly.role', %s, false), set_config('reminderly.location_id', %s, false)",
        [str(account_id), role, "" if location_id is None else str(location_id)],
    )


def _leave(conn) -> None:
    conn.execute(
        "RESET ROLE; RESET reminderly.account_id; RESET reminderly.role; RESET reminderly.location_id"
    )


@pytest.mark.parametrize("role", ["owner", "admin", "manager", "staff", "viewer"])
def test_row_level_security_enforces_the_same_matrix_as_the_console(app, conn, role):
    """The database refuses what the matrix refuses, whatever code runs the query."""
    from app_service.people import permissions
    from tests.helpers import make_campaign

    account = make_tenant(conn, app, "Clinic").account_id
    campaign = make_campaign(conn, account)
    (member,) = conn.execute(
        "INSERT INTO users (email) VALUES ('member@example.com') RETURNING id"
    ).fetchone()
    attempts = {
        "edit_campaigns": ("UPDATE campaigns SET name = name || '!' WHERE id = %s", [campaign]),
        "edit_locations": ("UPDATE locations SET name = 'x' WHERE account_id = %s", [account]),
        "manage_keys": ("UPDATE api_keys SET name = 'x' WHERE account_id = %s", [account]),
        "manage_users": (
            "INSERT INTO invitations (account_id, email, role, token_hash, expires_at)"
            " VALUES (%s, 'x@example.com', 'staff', md5(random()::text), now() + interval '1 day')",
            [account],
        ),
        "upload": (
            "INSERT INTO packets (account_id, campaign_id, source, filename) VALUES (%s, %s, 'csv', 'p.csv')",
            [account, campaign],
        ),
        "manage_settings": ("SELECT account_set_audit_retention(100)", []),
        "answer_replies": (
            "INSERT INTO answers (account_id, customer_id, user_id, channel, body, form_token)"
            " VALUES (%s, 0, %s, 'sms', 'x', md5(random()::text))",
            [account, member],
        ),
    }
    conn.execute("INSERT INTO locations (account_id, external_id) VALUES (%s, 'north')", [account])
    for action, (sql, params) in attempts.items():
        expected = permissions.allowed(role, action)
        _as_member(conn, account, role)
        try:
            with conn.transaction():
                cur = conn.execute(sql, params)
                done = cur.rowcount > 0
        except psycopg.errors.InsufficientPrivilege:
            done = False
        finally:
            _leave(conn)
        assert done == expected, f"{role} {action}: database says {done}, matrix says {expected}"


def test_every_table_the_api_role_writes_has_the_role_policies(conn):
    missing = conn.execute(
        """SELECT g.table_name, g.privilege_type FROM information_schema.role_table_grants g
           WHERE g.grantee = 'reminderly_api' AND g.table_schema = 'public'
             AND g.privilege_type IN ('INSERT', 'UPDATE', 'DELETE')
             AND g.table_name NOT IN ('audit_log', 'staff_mail')
             AND NOT EXISTS (SELECT FROM pg_policies p WHERE p.tablename = g.table_name
                             AND p.permissive = 'RESTRICTIVE' AND p.cmd = g.privilege_type)"""
    ).fetchall()
    assert missing == [], "a new writable table needs its role policy (see 0020_people.sql)"


def test_a_member_scoped_to_one_location_sees_only_its_customers(app, conn):
    from tests.helpers import load_rows, make_campaign, person

    account = make_tenant(conn, app, "Chain").account_id
    campaign = make_campaign(conn, account)
    load_rows(conn, campaign, [person(1, location_id="north"), person(2, location_id="south")])
    north = conn.execute("SELECT id FROM locations WHERE external_id = 'north'").fetchone()[0]
    south_customer = conn.execute(
        "SELECT customer_id FROM appointments a JOIN locations l ON l.id = a.location_id WHERE l.external_id = 'south'"
    ).fetchone()[0]
    _as_member(conn, account, "staff", north)
    try:
        seen = conn.execute("SELECT count(*) FROM customers").fetchone()[0]
        seen_messages = conn.execute("SELECT count(DISTINCT location_id) FROM messages").fetchone()[
            0
        ]
    finally:
        _leave(conn)
    assert seen == 1 and seen_messages == 1
    # through the console: the other location's customer is a 404, and uploads are refused
    owner, _, _ = _enrolled_person(app, conn, account, "boss@example.com")
    form = owner.get("/people").get_data(as_text=True)
    assert f'<option value="{IDS.encode(north)}">north</option>' in form  # a public id
    owner.post(
        "/people/invite",
        {"email": "desk@example.com", "role": "staff", "location_id": str(IDS.encode(north))},
    )
    link = re.search(r"https?://\S+", directory.mail(conn, 1)[0]["body"]).group(0)
    desk = _enrolled_person_from_link(app, link, "desk@example.com")
    assert "staff (north only)" in owner.get("/people").get_data(as_text=True)
    assert desk.get(f"/customers/{south_customer}").status_code == 404
    # uploads reach them, held to their location (tests/test_scoped_uploads.py)
    assert desk.post(f"/campaigns/{campaign}/packets", {}, refresh="/").status_code == 400


def test_a_password_reset_by_email_still_needs_the_second_factor(app, conn):
    account = make_tenant(conn, app, "Clinic").account_id
    me, _, codes = _enrolled_person(app, conn, account, "me@example.com")
    anon = Browser(app, "192.0.2.50")
    known = anon.post("/login/reset", {"email": "me@example.com"}, refresh="/login/reset")
    unknown = anon.post("/login/reset", {"email": "ghost@example.com"}, refresh="/login/reset")
    strip = lambda r: re.sub(r'value="[^"]*"', "", r.get_data(as_text=True))  # noqa: E731
    assert known.status_code == unknown.status_code == 200 and strip(known) == strip(unknown)
    mailed = [m for m in directory.mail(conn, 5) if "reset" in m["subject"].lower()]
    assert [m["recipient"] for m in mailed] == ["me@example.com"]
    path = re.search(r"https?://\S+", mailed[0]["body"]).group(0).split("localhost", 1)[1]
    new = "my brand new passphrase for 2027"
    anon.get(path)
    # the emailed link alone is not enough: no code, or a wrong one, changes nothing
    assert anon.post(path, {"new": new, "code": ""}).status_code == 401
    assert anon.post(path, {"new": new, "code": "000000"}).status_code == 401
    assert _sign_in(app, "me@example.com", PASSWORD, "192.0.2.51")[1].status_code == 302
    # with a recovery code it works once, and every session of the user ends
    assert anon.post(path, {"new": new, "code": codes[3]}).headers["Location"] == "/login?reset=1"
    assert me.get("/").headers["Location"] == "/login"
    assert Browser(app).get(path).status_code == 404
    assert _sign_in(app, "me@example.com", PASSWORD, "192.0.2.52")[1].status_code == 401
    assert _sign_in(app, "me@example.com", new, "192.0.2.53")[1].status_code == 302


def test_an_operator_disables_a_user_everywhere_and_their_sessions_end(app, conn, db_url):
    from tests.test_cli import cli

    account = make_tenant(conn, app, "Clinic").account_id
    me, _, _ = _enrolled_person(app, conn, account, "leaver@example.com")
    assert me.get("/").status_code == 200
    done = cli(db_url, "user", "disable", "leaver@example.com")
    assert done.returncode == 0 and "1 sessions ended" in done.stdout
    assert me.get("/").headers["Location"] == "/login"
    assert _sign_in(app, "leaver@example.com")[1].status_code == 401
    missing = cli(db_url, "user", "disable", "nobody@example.com")
    assert (
        missing.returncode != 0
        and missing.stderr.strip() == "error: no user has the email nobody@example.com"
    )
    assert cli(db_url, "user", "disable", "--enable", "leaver@example.com").returncode == 0
    assert _sign_in(app, "leaver@example.com")[1].status_code == 302


def test_keys_made_in_the_console_record_who_made_them(app, conn):
    account = make_tenant(conn, app, "Clinic").account_id
    owner, _, _ = _enrolled_person(app, conn, account, "owner@example.com")
    manager, _, _ = _enrolled_person(app, conn, account, "mgr@example.com", "manager")
    assert manager.get("/keys").status_code == 403
    assert manager.post("/keys", {"name": "x", "scope": "admin"}, refresh="/").status_code == 403
    made = owner.post("/keys", {"name": "PMS sync", "scope": "write"}, refresh="/keys")
    token = re.search(
        r'id="token" readonly size="70" value="(rmd_[^"]+)"', made.get_data(as_text=True)
    ).group(1)
    api = app.test_client()
    assert api.get("/v1/campaigns", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    listing = owner.get("/keys").get_data(as_text=True)
    assert "PMS sync" in listing and "owner@example.com" in listing and token not in listing
    assert owner.post("/keys", {"name": "", "scope": "write"}).status_code == 400
    assert (
        owner.post("/keys", {"name": "y", "scope": "operator"}).status_code == 400
    )  # no operator keys
    key_id = conn.execute("SELECT id FROM api_keys WHERE name = 'PMS sync'").fetchone()[0]
    assert owner.post(f"/keys/{key_id}/revoke", refresh="/keys").status_code == 302
    assert api.get("/v1/campaigns", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    actions = {
        r[0] for r in conn.execute("SELECT action FROM audit_log WHERE object_type = 'api_key'")
    }
    assert actions == {"api_key.created", "api_key.revoked"}


def test_security_key_endpoints_refuse_forgeries(app, conn):
    account = make_tenant(conn, app, "Clinic").account_id
    me, totp, _ = _enrolled_person(app, conn, account, "me@example.com")
    b, _ = _sign_in(app, "me@example.com", address="192.0.2.70")
    b.get("/login/mfa")
    # no CSRF header: refused before anything happens
    assert b.client.post("/webauthn/auth/options", base_url=BASE).status_code == 400
    headers = {"X-CSRF-Token": b.csrf}
    # no key registered: nothing to ask for, and a forged assertion does not sign in
    assert (
        b.client.post("/webauthn/auth/options", base_url=BASE, headers=headers).status_code == 404
    )
    forged = {"credential": {"id": "AAAA", "rawId": "AAAA", "type": "public-key", "response": {}}}
    refused = b.client.post("/webauthn/auth/verify", base_url=BASE, headers=headers, json=forged)
    assert refused.status_code == 400 and refused.mimetype == "application/problem+json"
    assert b.get("/").headers["Location"] == "/login/mfa"
    # registration needs a finished sign-in and re-authentication; a forged attestation is
    # refused
    me.get("/account/security-keys")
    for asked in ({}, {"password": PASSWORD, "code": "123456"}, {"password": "x", "code": "1"}):
        refused = me.client.post(
            "/webauthn/register/options",
            base_url=BASE,
            headers={"X-CSRF-Token": me.csrf},
            json=asked,
        )
        assert refused.status_code == 401 and refused.mimetype == "application/problem+json"
    opts = me.client.post(
        "/webauthn/register/options",
        base_url=BASE,
        headers={"X-CSRF-Token": me.csrf},
        json={"password": PASSWORD, "code": totp.at(time.time() + 30)},
    )
    assert opts.status_code == 200 and opts.json["rp"]["id"] == "localhost"
    bad = me.client.post(
        "/webauthn/register/verify",
        base_url=BASE,
        headers={"X-CSRF-Token": me.csrf},
        json={
            "name": "x",
            "credential": {
                "id": "AAAA",
                "rawId": "AAAA",
                "type": "public-key",
                "response": {"clientDataJSON": "e30", "attestationObject": "oA"},
            },
        },
    )
    assert bad.status_code == 400 and "did not verify" in bad.json["detail"]
    assert conn.execute("SELECT count(*) FROM webauthn_credentials").fetchone()[0] == 0


def test_the_api_role_cannot_delete_audit_entries_even_with_the_purge_flag_set(app, conn):
    account = make_tenant(conn, app, "Clinic").account_id
    _enrolled_person(app, conn, account, "me@example.com")
    _as_member(conn, account, "owner")
    try:
        conn.execute("SELECT set_config('reminderly.audit_purge', 'on', false)")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("DELETE FROM audit_log")
    finally:
        conn.execute("RESET reminderly.audit_purge")
        _leave(conn)
    assert (
        conn.execute("SELECT count(*) FROM audit_log WHERE account_id = %s", [account]).fetchone()[
            0
        ]
        > 0
    )


def test_settings_show_the_senders_and_owners_change_the_audit_retention(app, conn):
    account = make_tenant(conn, app, "Clinic").account_id
    owner, _, _ = _enrolled_person(app, conn, account, "owner@example.com", "owner")
    viewer, _, _ = _enrolled_person(app, conn, account, "viewer@example.com", "viewer")

    shown = viewer.get("/settings")
    page = shown.get_data(as_text=True)
    assert shown.status_code == 200 and "shared number" in page and "local outbox" in page
    assert 'value="400"' in page and "disabled" in page  # every member reads; a viewer only reads
    assert (
        viewer.post("/settings", {"audit_retention_days": "60"}, refresh="/settings").status_code
        == 403
    )

    refused = owner.post("/settings", {"audit_retention_days": "7"}, refresh="/settings")
    assert refused.status_code == 400 and "from 30 to 3650 days" in refused.get_data(as_text=True)
    refused = owner.post("/settings", {"audit_retention_days": "soon"}, refresh="/settings")
    assert refused.status_code == 400 and "must be a number" in refused.get_data(as_text=True)

    saved = owner.post("/settings", {"audit_retention_days": "90"}, refresh="/settings")
    assert saved.status_code == 302 and saved.headers["Location"] == "/settings?saved=1"
    days = conn.execute("SELECT audit_retention_days FROM accounts WHERE id = %s", [account])
    assert days.fetchone()[0] == 90
    entry = conn.execute(
        "SELECT before, after FROM audit_log WHERE account_id = %s AND action = 'settings.changed'",
        [account],
    ).fetchone()
    assert entry == ({"audit_retention_days": 400}, {"audit_retention_days": 90})
