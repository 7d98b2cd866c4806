-- 0004_api: what the HTTP API needs: API keys, idempotency records, per-key rate windows,
-- message templates, and row-level security keyed on the request's account.
--
-- Tenant isolation is enforced by PostgreSQL, not only by WHERE clauses: every API request
-- runs as the role reminderly_api with reminderly.account_id set to the caller's account, and
-- the policies below hide every other account's rows (a query that forgets its account filter
-- still sees only the caller's rows). The table owner (migrations, the worker, the CLI: system
-- processes that work across tenants) is not subject to the policies (RLS is not FORCEd).

-- The account a request acts for; NULL (no rows visible) when unset.
CREATE FUNCTION app_account_id() RETURNS bigint
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT nullif(current_setting('reminderly.account_id', true), '')::bigint $$;

-- An API key: shown once at creation as rmd_<prefix>_<secret>; stored as the SHA-256 of the
-- whole key (it has 256 bits of entropy, so a slow hash adds nothing) and found by its
-- non-secret prefix.
CREATE TABLE api_keys (
    id                    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id            bigint      NOT NULL REFERENCES accounts (id),
    name                  text        NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    prefix                text        NOT NULL UNIQUE CHECK (prefix ~ '^[a-z0-9]{12}$'),
    secret_hash           bytea       NOT NULL CHECK (length(secret_hash) = 32),
    scopes                text[]      NOT NULL
                          CHECK (cardinality(scopes) > 0 AND scopes <@ ARRAY['read', 'write', 'admin']),
    rate_limit_per_minute integer     NOT NULL DEFAULT 6000 CHECK (rate_limit_per_minute > 0),
    created_at            timestamptz NOT NULL DEFAULT now(),
    last_used_at          timestamptz,
    revoked_at            timestamptz
);
-- list_api_keys: an account's keys.
CREATE INDEX api_keys_account_idx ON api_keys (account_id, id);

-- Requests per key per minute (fixed windows), shared by every API process. Unlogged: losing
-- the counts in a crash only forgives a minute of traffic.
CREATE UNLOGGED TABLE api_rate_windows (
    key_id       bigint      NOT NULL,
    window_start timestamptz NOT NULL,
    n            integer     NOT NULL,
    PRIMARY KEY (key_id, window_start)
);

-- The response of a create, kept for 24 hours under the client's Idempotency-Key: a retry
-- with the same body gets the same response and creates nothing; a different body is a 409.
CREATE TABLE idempotency_keys (
    account_id   bigint      NOT NULL,
    operation    text        NOT NULL,
    key          text        NOT NULL CHECK (length(key) BETWEEN 1 AND 200),
    request_hash bytea       NOT NULL,
    status_code  integer     NOT NULL,
    response     jsonb       NOT NULL,
    location     text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, operation, key)
);
-- purge_idempotency_keys: expired records.
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);

-- A reusable message text with merge fields (jinja2, rendered in the sandbox); a campaign step
-- can start from one.
CREATE TABLE templates (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id bigint      NOT NULL REFERENCES accounts (id),
    name       text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    channel    text        NOT NULL CHECK (channel IN ('sms', 'email')),
    subject    text        CHECK (length(subject) <= 500),
    body       text        NOT NULL CHECK (length(body) BETWEEN 1 AND 10000),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (account_id, name)
);
-- list_templates.
CREATE INDEX templates_account_idx ON templates (account_id, id);

-- list_customers: an account's customers by id (cursor pagination).
CREATE INDEX customers_account_idx ON customers (account_id, id);

-- The API's role. NOLOGIN: the service's own login switches to it per request (SET ROLE).
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'reminderly_api') THEN
        CREATE ROLE reminderly_api NOLOGIN;
    END IF;
END
$$;
GRANT reminderly_api TO CURRENT_USER;
GRANT USAGE ON SCHEMA public TO reminderly_api;

-- Least privilege: tenant data it reads and writes, reference data it reads, nothing else
-- (no schema bookkeeping, archives, outbox, heartbeats or rate windows).
GRANT SELECT ON accounts, phone_regions, phone_calling_codes, timezones,
                campaign_message_counts, packet_message_counts TO reminderly_api;
GRANT SELECT, INSERT, UPDATE ON locations, customers, consent_events, campaigns, packets,
                appointments, messages, message_events, templates, api_keys,
                idempotency_keys TO reminderly_api;
GRANT SELECT, INSERT, UPDATE, DELETE ON campaign_steps, packet_rows TO reminderly_api;
GRANT DELETE ON packets TO reminderly_api;  -- a duplicate packet's registration is removed
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO reminderly_api;

-- The policies: rows of the request's account only, for reading and for writing.
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['locations', 'customers', 'consent_events', 'campaigns', 'packets',
                             'appointments', 'messages', 'message_events', 'templates',
                             'api_keys', 'idempotency_keys']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I TO reminderly_api '
                       'USING (account_id = app_account_id()) '
                       'WITH CHECK (account_id = app_account_id())', t);
    END LOOP;
END
$$;

ALTER TABLE accounts ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON accounts TO reminderly_api USING (id = app_account_id());

-- Child tables without account_id follow their parent (itself behind its policy).
ALTER TABLE campaign_steps ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON campaign_steps TO reminderly_api
    USING (campaign_id IN (SELECT id FROM campaigns))
    WITH CHECK (campaign_id IN (SELECT id FROM campaigns));
ALTER TABLE packet_rows ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON packet_rows TO reminderly_api
    USING (packet_id IN (SELECT id FROM packets))
    WITH CHECK (packet_id IN (SELECT id FROM packets));
-- Rollups are written only by the (SECURITY DEFINER) count triggers; the API reads its own.
ALTER TABLE campaign_message_counts ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON campaign_message_counts TO reminderly_api
    USING (campaign_id IN (SELECT id FROM campaigns));
ALTER TABLE packet_message_counts ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON packet_message_counts TO reminderly_api
    USING (packet_id IN (SELECT id FROM packets));
