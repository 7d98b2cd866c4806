-- 0021_inbox: replies as per-customer conversations for the console's inbox: open/closed (a
-- new reply reopens), assigned to a member or not, read up to a point, with internal notes.
-- A trigger on message_events opens or updates the conversation in the reply's transaction;
-- its WHEN clause keeps it off the hot path of every other event.

CREATE TABLE conversations (
    account_id      bigint      NOT NULL REFERENCES accounts (id),
    customer_id     bigint      NOT NULL,
    state           text        NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'closed')),
    assigned_user   bigint      REFERENCES users (id),
    -- what the front desk should do about the latest reply: confirmed, cancelled, reschedule
    task            text        CHECK (task IN ('confirmed', 'cancelled', 'reschedule', 'opted_out')),
    last_reply_id   bigint      NOT NULL,   -- the newest reply's message_events id
    last_reply_at   timestamptz NOT NULL,
    last_reply_text text        NOT NULL DEFAULT '',
    read_through    bigint      NOT NULL DEFAULT 0,  -- replies up to this event id are read
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, customer_id)
);
CREATE INDEX conversations_inbox_idx ON conversations (account_id, state, last_reply_at DESC);

CREATE TABLE conversation_notes (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id  bigint      NOT NULL REFERENCES accounts (id),
    customer_id bigint      NOT NULL,
    user_id     bigint      NOT NULL REFERENCES users (id),
    body        text        NOT NULL CHECK (length(body) BETWEEN 1 AND 4000),
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX conversation_notes_idx ON conversation_notes (account_id, customer_id, id);

-- Existing replies open their conversations (closed: they were handled before the inbox).
INSERT INTO conversations (account_id, customer_id, state, last_reply_id, last_reply_at,
                           last_reply_text, read_through)
SELECT DISTINCT ON (e.account_id, e.customer_id) e.account_id, e.customer_id, 'closed', e.id,
       e.occurred_at, left(coalesce(e.data ->> 'text', ''), 300), e.id
FROM message_events e WHERE e.kind IN ('reply', 'keyword')
ORDER BY e.account_id, e.customer_id, e.id DESC;

GRANT SELECT, UPDATE ON conversations TO reminderly_api;
GRANT SELECT, INSERT ON conversation_notes TO reminderly_api;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO reminderly_api;

ALTER TABLE conversations ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON conversations TO reminderly_api
    USING (account_id = app_account_id()) WITH CHECK (account_id = app_account_id());
-- a location-scoped member sees the conversations of the customers they can see
CREATE POLICY location_scope ON conversations AS RESTRICTIVE FOR SELECT TO reminderly_api
    USING (app_location_id() IS NULL OR customer_id IN (SELECT id FROM customers));
CREATE POLICY role_may_update ON conversations AS RESTRICTIVE FOR UPDATE TO reminderly_api
    USING (app_may_write('conversations', 'UPDATE'));
ALTER TABLE conversation_notes ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON conversation_notes TO reminderly_api
    USING (account_id = app_account_id()) WITH CHECK (account_id = app_account_id());
CREATE POLICY location_scope ON conversation_notes AS RESTRICTIVE FOR SELECT TO reminderly_api
    USING (app_location_id() IS NULL OR customer_id IN (SELECT id FROM customers));
CREATE POLICY role_may_insert ON conversation_notes AS RESTRICTIVE FOR INSERT TO reminderly_api
    WITH CHECK (app_may_write('conversation_notes', 'INSERT'));

-- Staff answer replies: the matrix gains the inbox tables (replaces 0022's definition).
CREATE OR REPLACE FUNCTION app_may_write(p_table text, p_command text) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT CASE coalesce(app_role(), 'key')
        WHEN 'key' THEN true
        WHEN 'owner' THEN true
        WHEN 'admin' THEN true
        WHEN 'manager' THEN p_table <> ALL (ARRAY['api_keys', 'memberships', 'invitations',
                                                   'webhook_endpoints', 'webhook_deliveries'])
        WHEN 'staff' THEN p_table = ANY (ARRAY['packets', 'packet_rows', 'packet_uploads',
                                                'packet_drafts', 'appointments', 'customers',
                                                'consent_events', 'messages', 'message_events',
                                                'idempotency_keys', 'conversations',
                                                'conversation_notes'])
                          OR (p_table = 'locations' AND p_command = 'INSERT')
        ELSE false
    END
$$;

DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'reminderly_api_login') THEN
        CREATE POLICY service_logins ON conversations TO reminderly_api_login,
            reminderly_worker_login USING (true) WITH CHECK (true);
        CREATE POLICY service_logins ON conversation_notes TO reminderly_api_login,
            reminderly_worker_login USING (true) WITH CHECK (true);
    END IF;
END
$$;
