-- 0020_people: the people who run an account (users with a role per account), invitations,
-- user sign-in sessions with MFA, and the append-only audit log.
--
-- Users span accounts, so the identity tables (users, recovery codes, sign-in failures) are
-- not granted to the API's role at all: it reaches them only through the SECURITY DEFINER
-- functions of db/procedures/160_people.sql, each doing one narrow thing. Memberships,
-- invitations and the audit log carry account_id and sit behind row-level security like
-- every tenant table.

CREATE TYPE member_role AS ENUM ('owner', 'admin', 'manager', 'staff', 'viewer');

CREATE TABLE users (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email             text        NOT NULL UNIQUE CHECK (email = lower(email) AND length(email) <= 254),
    display_name      text        NOT NULL DEFAULT '' CHECK (length(display_name) <= 200),
    password_hash     text,        -- argon2id (PHC string); NULL until an invitation is accepted
    totp_secret       text,        -- encrypted by the application (Fernet), never plain
    totp_confirmed_at timestamptz,
    totp_last_step    bigint,      -- the last accepted TOTP time step: a code works once
    disabled_at       timestamptz,
    created_at        timestamptz NOT NULL DEFAULT now()
);

-- Ten single-use recovery codes per user, stored as SHA-256 (they are 80-bit random).
CREATE TABLE user_recovery_codes (
    user_id   bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash text   NOT NULL,
    used_at   timestamptz,
    PRIMARY KEY (user_id, code_hash)
);

-- A user's role in an account; staff and viewers may be scoped to one location.
CREATE TABLE memberships (
    account_id  bigint      NOT NULL REFERENCES accounts (id),
    user_id     bigint      NOT NULL REFERENCES users (id),
    role        member_role NOT NULL,
    location_id bigint      REFERENCES locations (id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, user_id)
);
CREATE INDEX memberships_user_idx ON memberships (user_id);

-- Single-use, expiring, cancellable invitations; only the token's SHA-256 is kept.
CREATE TABLE invitations (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id   bigint      NOT NULL REFERENCES accounts (id),
    email        text        NOT NULL CHECK (email = lower(email) AND length(email) <= 254),
    role         member_role NOT NULL,
    location_id  bigint      REFERENCES locations (id),
    token_hash   text        NOT NULL UNIQUE,
    invited_by   bigint      REFERENCES users (id),
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    accepted_at  timestamptz,
    cancelled_at timestamptz
);
CREATE INDEX invitations_account_idx ON invitations (account_id, id);

-- Mail to people (invitations, notices), not to customers: kept here in development (the
-- local mailbox, `reminderly user mail`), handed to SES by the worker in AWS.
CREATE TABLE staff_mail (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id bigint      REFERENCES accounts (id),
    recipient  text        NOT NULL,
    subject    text        NOT NULL,
    body       text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    sent_at    timestamptz,
    attempts   smallint    NOT NULL DEFAULT 0,
    last_error text
);
CREATE INDEX staff_mail_unsent_idx ON staff_mail (id) WHERE sent_at IS NULL;

-- Password resets by email: single-use, one hour; only the token's SHA-256 is kept. A reset
-- still asks for the second factor (db/procedures/160_people.sql, app_service/people).
CREATE TABLE password_resets (
    token_hash text        PRIMARY KEY,
    user_id    bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL DEFAULT now() + interval '1 hour',
    used_at    timestamptz
);
CREATE INDEX password_resets_user_idx ON password_resets (user_id, created_at);

-- Failed sign-ins by (email, address): a throttle that slows a guesser from one address
-- without locking the account's owner out from another.
CREATE TABLE sign_in_failures (
    email_hash text        NOT NULL,
    address    text        NOT NULL,
    at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sign_in_failures_idx ON sign_in_failures (email_hash, address, at);

-- Dashboard sessions now belong to a key (as before) or to a user in one account; a user's
-- session is usable only once its second factor is done (mfa_at).
ALTER TABLE dashboard_sessions ALTER COLUMN key_id DROP NOT NULL;
ALTER TABLE dashboard_sessions
    ADD COLUMN user_id    bigint REFERENCES users (id),
    ADD COLUMN account_id bigint REFERENCES accounts (id),
    ADD COLUMN mfa_at     timestamptz,
    ADD COLUMN address    text,
    ADD COLUMN user_agent text CHECK (length(user_agent) <= 300),
    ADD CONSTRAINT dashboard_sessions_owner
        CHECK ((key_id IS NOT NULL) <> (user_id IS NOT NULL)
               AND (user_id IS NULL OR account_id IS NOT NULL));
CREATE INDEX dashboard_sessions_user_idx ON dashboard_sessions (user_id) WHERE ended_at IS NULL;

-- The audit log: who (user or key, with the role held), what, before/after, when, from where.
-- Append-only: the API's role may only INSERT and SELECT; a trigger refuses UPDATE and DELETE
-- for everyone but the retention purge (db/procedures/160_people.sql).
CREATE TABLE audit_log (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id  bigint      REFERENCES accounts (id),
    at          timestamptz NOT NULL DEFAULT now(),
    actor_user  bigint      REFERENCES users (id),
    actor_key   bigint      REFERENCES api_keys (id),
    actor_role  text,
    action      text        NOT NULL CHECK (length(action) <= 100),
    object_type text        CHECK (length(object_type) <= 50),
    object_id   text        CHECK (length(object_id) <= 100),
    before      jsonb,
    after       jsonb,
    address     text,
    request_id  text
);
CREATE INDEX audit_log_account_idx ON audit_log (account_id, id DESC);
ALTER TABLE accounts ADD COLUMN audit_retention_days integer NOT NULL DEFAULT 400
    CHECK (audit_retention_days BETWEEN 30 AND 3650);

GRANT SELECT, INSERT, UPDATE, DELETE ON memberships TO reminderly_api;
GRANT SELECT, INSERT, UPDATE ON invitations TO reminderly_api;
GRANT SELECT, INSERT ON audit_log, staff_mail TO reminderly_api;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO reminderly_api;

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['memberships', 'invitations', 'audit_log', 'staff_mail']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I TO reminderly_api '
                       'USING (account_id = app_account_id()) '
                       'WITH CHECK (account_id = app_account_id())', t);
    END LOOP;
END
$$;

-- A signed-in person's role and location scope, set per request beside the account
-- (app_service/people; keys leave both unset). Row-level security applies them, so the
-- permission matrix holds in the database too, not only in the console's code.
CREATE FUNCTION app_role() RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT nullif(current_setting('reminderly.role', true), '') $$;

CREATE FUNCTION app_location_id() RETURNS bigint
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT nullif(current_setting('reminderly.location_id', true), '')::bigint $$;

-- Which tables a role may write (app_service/people/permissions.py is the same matrix, for the
-- console; tests/test_people.py checks the two agree). Keys (no role) are limited by scopes.
CREATE FUNCTION app_may_write(p_table text, p_command text) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT CASE coalesce(app_role(), 'key')
        WHEN 'key' THEN true
        WHEN 'owner' THEN true
        WHEN 'admin' THEN true
        WHEN 'manager' THEN p_table <> ALL (ARRAY['api_keys', 'memberships', 'invitations',
                                                   'webhook_endpoints', 'webhook_deliveries'])
        -- staff upload lists: packets and what they create (a new location's bare row too)
        WHEN 'staff' THEN p_table = ANY (ARRAY['packets', 'packet_rows', 'packet_uploads',
                                                'packet_drafts', 'appointments', 'customers',
                                                'consent_events', 'messages', 'message_events',
                                                'idempotency_keys'])
                          OR (p_table = 'locations' AND p_command = 'INSERT')
        ELSE false
    END
$$;

-- One restrictive policy per writable table and command (ANDed with tenant_isolation). The
-- audit log and staff mail are written on behalf of every role (a viewer's view is audited).
DO $$
DECLARE
    g record;
BEGIN
    FOR g IN
        SELECT DISTINCT table_name, privilege_type FROM information_schema.role_table_grants
        WHERE grantee = 'reminderly_api' AND table_schema = 'public'
          AND privilege_type IN ('INSERT', 'UPDATE', 'DELETE')
          AND table_name NOT IN ('audit_log', 'staff_mail')
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', g.table_name);
        IF g.privilege_type = 'INSERT' THEN
            EXECUTE format('CREATE POLICY role_may_insert ON %I AS RESTRICTIVE FOR INSERT '
                           'TO reminderly_api WITH CHECK (app_may_write(%L, %L))',
                           g.table_name, g.table_name, 'INSERT');
        ELSE
            EXECUTE format('CREATE POLICY role_may_%s ON %I AS RESTRICTIVE FOR %s '
                           'TO reminderly_api USING (app_may_write(%L, %L))',
                           lower(g.privilege_type), g.table_name, g.privilege_type,
                           g.table_name, g.privilege_type);
        END IF;
    END LOOP;
END
$$;

-- Location scope: a member scoped to one location reads that location's appointments,
-- messages and counts, and the customers who have an appointment there.
CREATE POLICY location_scope ON appointments AS RESTRICTIVE FOR SELECT TO reminderly_api
    USING (app_location_id() IS NULL OR location_id = app_location_id());
CREATE POLICY location_scope ON messages AS RESTRICTIVE FOR SELECT TO reminderly_api
    USING (app_location_id() IS NULL OR location_id = app_location_id());
CREATE POLICY location_scope ON customers AS RESTRICTIVE FOR SELECT TO reminderly_api
    USING (app_location_id() IS NULL OR EXISTS (
        SELECT FROM appointments a WHERE a.customer_id = customers.id
                                     AND a.location_id = app_location_id()));
CREATE POLICY location_scope ON campaign_location_counts AS RESTRICTIVE FOR SELECT
    TO reminderly_api USING (app_location_id() IS NULL OR location_id = app_location_id());
-- whole-campaign totals include other locations: not shown to a location-scoped member
CREATE POLICY location_scope ON campaign_message_counts AS RESTRICTIVE FOR SELECT
    TO reminderly_api USING (app_location_id() IS NULL);
CREATE POLICY location_scope ON packet_message_counts AS RESTRICTIVE FOR SELECT
    TO reminderly_api USING (app_location_id() IS NULL);

-- A key made in the console records who made it.
ALTER TABLE api_keys ADD COLUMN created_by_user bigint REFERENCES users (id);

-- WebAuthn security keys (a second factor beside TOTP): the credential's public key and its
-- signature counter (a clone shows as a counter that goes backwards).
CREATE TABLE webauthn_credentials (
    credential_id bytea       PRIMARY KEY,
    user_id       bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    public_key    bytea       NOT NULL,
    sign_count    bigint      NOT NULL DEFAULT 0,
    name          text        NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_used_at  timestamptz
);
CREATE INDEX webauthn_credentials_user_idx ON webauthn_credentials (user_id);

-- Single sign-on (the load balancer's authenticate-oidc, optional per stage): an identity
-- provider's (issuer, subject) linked to a user, set when the user first arrives through it.
CREATE TABLE user_identities (
    issuer     text        NOT NULL CHECK (length(issuer) <= 500),
    subject    text        NOT NULL CHECK (length(subject) <= 500),
    user_id    bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (issuer, subject)
);

-- The service logins (0017_service_logins, where they exist) act for the platform on these
-- tables as on every other, but never rewrite the audit log: UPDATE and DELETE are revoked
-- (the retention purge runs as the owner, SECURITY DEFINER).
DO $$
DECLARE
    t text;
BEGIN
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'reminderly_api_login') THEN
        FOREACH t IN ARRAY ARRAY['memberships', 'invitations', 'audit_log', 'staff_mail']
        LOOP
            EXECUTE format('CREATE POLICY service_logins ON %I TO reminderly_api_login, '
                           'reminderly_worker_login USING (true) WITH CHECK (true)', t);
        END LOOP;
        REVOKE UPDATE, DELETE, TRUNCATE ON audit_log
            FROM reminderly_api_login, reminderly_worker_login;
    END IF;
END
$$;
