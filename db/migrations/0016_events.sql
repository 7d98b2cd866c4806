-- 0016_events: events for API consumers (a transactional outbox), webhook endpoints, their
-- deliveries and every delivery attempt.
--
-- An event is written by statement triggers (db/procedures/150_events.sql) in the same
-- transaction as the change it reports: a rolled-back change leaves no event, and no change
-- commits without its event. Readers (the /v1/events feed, the webhook fan-out) order events
-- by (txid, id) and only read those whose transaction is older than every transaction still
-- running (txid < pg_snapshot_xmin), so an event that commits late can never appear behind a
-- cursor that a reader has already passed.

CREATE TABLE events (
    id                      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id              bigint      NOT NULL,
    txid                    xid8        NOT NULL DEFAULT pg_current_xact_id(),
    type                    text        NOT NULL CHECK (type ~ '^[a-z_]+\.[a-z_]+$'),
    occurred_at             timestamptz NOT NULL DEFAULT clock_timestamp(),
    campaign_id             bigint,
    packet_id               bigint,
    message_id              bigint,
    customer_id             bigint,
    appointment_id          bigint,
    location_id             bigint,
    customer_external_id    text,
    appointment_external_id text,
    location_external_id    text,
    data                    jsonb       NOT NULL DEFAULT '{}'
);
-- list_events: an account's feed in commit-safe order.
CREATE INDEX events_feed_idx ON events (account_id, txid, id);
-- fan_out_events: every account's events in the same order.
CREATE INDEX events_order_idx ON events (txid, id);
-- purge_events: retention. BRIN: events are appended in time order, and a block range
-- summary costs the write path next to nothing (a btree entry per event would).
CREATE INDEX events_occurred_idx ON events USING brin (occurred_at);

-- Where the webhook fan-out has got to in (txid, id) order: one row.
CREATE TABLE webhook_fanout_state (
    one      boolean PRIMARY KEY DEFAULT true CHECK (one),
    txid     xid8    NOT NULL,
    event_id bigint  NOT NULL
);
-- The fan-out starts at the beginning (the table is new).
INSERT INTO webhook_fanout_state (txid, event_id) VALUES ('0'::xid8, 0);

-- An account's webhook endpoint. The signing secret (whsec_ + base64) is kept to sign with
-- (HMAC needs it); the API shows it only when it is created or rotated. After a rotation the
-- previous secret also signs until previous_secret_expires_at (both signatures are sent).
CREATE TABLE webhook_endpoints (
    id                         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id                 bigint      NOT NULL REFERENCES accounts (id),
    url                        text        NOT NULL CHECK (length(url) BETWEEN 8 AND 2000),
    description                text        CHECK (length(description) <= 500),
    event_types                text[]      NOT NULL DEFAULT '{}',  -- empty: every type
    enabled                    boolean     NOT NULL DEFAULT true,
    disabled_reason            text,
    secret                     text        NOT NULL CHECK (secret ~ '^whsec_[A-Za-z0-9+/=]{20,}$'),
    previous_secret            text,
    previous_secret_expires_at timestamptz,
    failing_since              timestamptz,
    lease_owner                text,
    lease_expires_at           timestamptz,
    created_at                 timestamptz NOT NULL DEFAULT now(),
    updated_at                 timestamptz NOT NULL DEFAULT now(),
    CHECK ((lease_owner IS NULL) = (lease_expires_at IS NULL))
);
-- list_webhook_endpoints.
CREATE INDEX webhook_endpoints_account_idx ON webhook_endpoints (account_id, id);

-- One event to one endpoint: pending until a 2xx (succeeded) or until the retry period is
-- over (failed). Sent in id order per endpoint, which is the events' (txid, id) order.
CREATE TABLE webhook_deliveries (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id      bigint      NOT NULL,
    endpoint_id     bigint      NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    event_id        bigint      NOT NULL,
    status          text        NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'succeeded', 'failed')),
    attempts        integer     NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    replay          boolean     NOT NULL DEFAULT false,
    created_at      timestamptz NOT NULL DEFAULT now(),
    completed_at    timestamptz
);
-- claim_webhook_endpoints / next_webhook_deliveries: an endpoint's pending deliveries in order.
CREATE INDEX webhook_deliveries_pending_idx ON webhook_deliveries (endpoint_id, id)
    WHERE status = 'pending';
-- purge_events: finished deliveries past retention.
CREATE INDEX webhook_deliveries_created_idx ON webhook_deliveries (created_at);

-- Every attempt: HTTP status (NULL when no response), latency, the start of the response.
CREATE TABLE webhook_attempts (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id       bigint      NOT NULL,
    endpoint_id      bigint      NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    delivery_id      bigint      NOT NULL,
    event_id         bigint      NOT NULL,
    attempted_at     timestamptz NOT NULL DEFAULT now(),
    status_code      integer,
    latency_ms       integer     NOT NULL,
    response_excerpt text        CHECK (length(response_excerpt) <= 1000),
    error            text        CHECK (length(error) <= 500)
);
-- list_webhook_attempts: an endpoint's attempts, newest first.
CREATE INDEX webhook_attempts_endpoint_idx ON webhook_attempts (endpoint_id, id);
-- purge_events.
CREATE INDEX webhook_attempts_attempted_idx ON webhook_attempts (attempted_at);

-- The API reads events, attempts and deliveries and manages endpoints; the triggers write
-- events (SECURITY DEFINER), the worker delivers (as the owner).
GRANT SELECT ON events, webhook_attempts TO reminderly_api;
GRANT SELECT, INSERT ON webhook_deliveries TO reminderly_api;  -- a manual replay
GRANT SELECT, INSERT, UPDATE, DELETE ON webhook_endpoints TO reminderly_api;

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['events', 'webhook_endpoints', 'webhook_deliveries', 'webhook_attempts']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I TO reminderly_api '
                       'USING (account_id = app_account_id()) '
                       'WITH CHECK (account_id = app_account_id())', t);
    END LOOP;
END
$$;
