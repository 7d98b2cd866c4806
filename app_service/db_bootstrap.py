"""`reminderly db bootstrap`: the one step that logs in as the database's master user.

A migration cannot create the role that runs the migrations, nor know a password. So, once per
stage (the service stack runs it on creation, before the first migration), this step:

1. as the master user (PG* from the master secret): creates `reminderly_owner` if missing,
   gives it the database and whatever an earlier deploy created as the master user, and sets
   its first password from its secret;
2. as `reminderly_owner`: applies the migrations (0017 creates the API and worker logins);
3. sets the API and worker logins' first passwords from their secrets.

A password is set only on a login that has never had one from this step (a role comment
records it): running it again never undoes a rotation. The passwords go to the server as SCRAM
verifiers computed here (libpq's PQencryptPasswordConn), never in clear text.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import psycopg
from psycopg import sql

from app_service import migrate
from app_service.queries import Q

OWNER = "reminderly_owner"
LOGINS = ("reminderly_api_login", "reminderly_worker_login")


@dataclass
class BootstrapReport:
    created_owner: bool = False
    passwords_set: list[str] = field(default_factory=list)
    migrated: list[str] = field(default_factory=list)


def _set_password_once(conn: psycopg.Connection, role: str, password: str) -> bool:
    state = conn.execute(Q.login_state, {"role": role}).fetchone()
    assert state is not None
    present, password_set = state
    if not present:
        raise RuntimeError(f"role {role} does not exist")
    if password_set:
        return False
    verifier = conn.pgconn.encrypt_password(password.encode(), role.encode(), b"scram-sha-256")
    conn.execute(
        sql.SQL(Q.set_login_password).format(
            role=sql.Identifier(role), verifier=sql.Literal(verifier.decode())
        )
    )
    return True


def bootstrap(admin_url: str, passwords: dict[str, str]) -> BootstrapReport:
    """Run the three steps against `admin_url` (the master user); `passwords` holds the first
    password of reminderly_owner and of each login, from their secrets."""
    missing = [r for r in (OWNER, *LOGINS) if not passwords.get(r)]
    if missing:
        raise ValueError(f"no password given for {', '.join(missing)}")
    report = BootstrapReport()
    with psycopg.connect(admin_url, autocommit=True) as admin:
        present, _ = admin.execute(Q.login_state, {"role": OWNER}).fetchone() or (False, False)
        if not present:
            admin.execute(Q.create_owner_login)
            report.created_owner = True
        database = admin.info.dbname
        admin.execute(sql.SQL(Q.hand_schema_to_owner).format(database=sql.Identifier(database)))
        if _set_password_once(admin, OWNER, passwords[OWNER]):
            report.passwords_set.append(OWNER)
    owner_url = psycopg.conninfo.make_conninfo(admin_url, user=OWNER, password=passwords[OWNER])
    report.migrated = migrate.migrate(owner_url).applied
    with psycopg.connect(owner_url, autocommit=True) as owner:
        for role in LOGINS:
            if _set_password_once(owner, role, passwords[role]):
                report.passwords_set.append(role)
    return report
