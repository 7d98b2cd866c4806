-- 0024_inbox_answers: a member answers a customer from the console's inbox, in free text or a
-- quick reply from a template. An answer is a row of `answers` (who wrote what, from which
-- sender, under which form token) and one message of no campaign that the worker sends like
-- any other: queued, claimed, rate-limited, marked before the provider call, recorded.
--
-- "No campaign" is campaign_id = 0 (no campaigns row has id 0): packet_id = 0, step = 0, and
-- appointment_id = -answers.id (negative: never an appointment; unique per answer, so
-- messages_once holds). Every report, list and analytic joins campaigns or reads a
-- campaign's rollups, so an answer counts in none of them; its rollup rows (campaign 0) are
-- never read and are hidden by the rollups' row-level security. Procedures that need a
-- campaign's settings (attempts, retries) take the answers' own (060_dispatch.sql).

CREATE TABLE answers (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id   bigint      NOT NULL REFERENCES accounts (id),
    customer_id  bigint      NOT NULL,
    user_id      bigint      NOT NULL REFERENCES users (id),
    location_id  bigint,
    channel      text        NOT NULL CHECK (channel IN ('sms', 'email')),
    -- emptied when the customer is erased (erase_customer)
    body         text        NOT NULL CHECK (length(body) <= 1600),
    subject      text        CHECK (length(subject) <= 200),
    template_id  bigint,     -- the quick reply it started from, if any
    -- the SMS identity it goes from: the number the customer wrote to when that is the
    -- account's own, else NULL (the account's origination, or the shared one)
    origination  text,
    -- one per console form: a second submit of the same form finds the first answer
    form_token   text        NOT NULL CHECK (length(form_token) BETWEEN 16 AND 100),
    created_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (account_id, form_token)
);
CREATE INDEX answers_customer_idx ON answers (account_id, customer_id, id);

-- mark_ready's path for answers due (scheduled for the send window, or retrying): small,
-- and kept apart from the campaigns' queue so a paused campaign's backlog is never walked.
CREATE INDEX messages_answers_due_idx ON messages (send_at)
    WHERE campaign_id = 0 AND status IN ('scheduled', 'retry');

-- Members write answers and never change them (erase_customer empties their texts as the
-- table's owner).
GRANT SELECT, INSERT ON answers TO reminderly_api;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO reminderly_api;

ALTER TABLE answers ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON answers TO reminderly_api
    USING (account_id = app_account_id()) WITH CHECK (account_id = app_account_id());
CREATE POLICY location_scope ON answers AS RESTRICTIVE FOR SELECT TO reminderly_api
    USING (app_location_id() IS NULL OR customer_id IN (SELECT id FROM customers));
CREATE POLICY role_may_insert ON answers AS RESTRICTIVE FOR INSERT TO reminderly_api
    WITH CHECK (app_may_write('answers', 'INSERT'));
-- and only to a customer the member sees (queue_answer checks it first; this holds for any SQL)
CREATE POLICY location_scope_insert ON answers AS RESTRICTIVE FOR INSERT TO reminderly_api
    WITH CHECK (app_location_id() IS NULL OR customer_id IN (SELECT id FROM customers));

-- Staff answer customers: the matrix gains answers (replaces 0021's definition).
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
                          OR (p_table = 'answers' AND p_command = 'INSERT')
                          OR (p_table = 'locations' AND p_command = 'INSERT')
        ELSE false
    END
$$;

DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'reminderly_api_login') THEN
        CREATE POLICY service_logins ON answers TO reminderly_api_login,
            reminderly_worker_login USING (true) WITH CHECK (true);
    END IF;
END
$$;
