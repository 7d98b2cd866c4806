-- 0003_dispatch: what the workers need to send exactly once and to be seen.

-- Set when a worker is about to call the provider (committed before the call). A lease that
-- expires with it set means the worker died mid-send: the outcome is unknown, and the message
-- is failed rather than sent again (at most once: never the same step twice to a recipient).
ALTER TABLE messages ADD COLUMN send_started_at timestamptz;
ALTER TABLE messages_archive ADD COLUMN send_started_at timestamptz;

-- SMS segments the message was billed as (GSM-7 or UCS-2 arithmetic in the worker).
ALTER TABLE messages ADD COLUMN segments smallint;
ALTER TABLE messages_archive ADD COLUMN segments smallint;

-- The local outbox channel (development, demos, tests): what would have been sent.
-- message_id is the idempotency key: a resend of the same message is a no-op.
CREATE TABLE outbox (
    message_id bigint PRIMARY KEY,
    account_id bigint      NOT NULL,
    channel    text        NOT NULL,
    recipient  text        NOT NULL,
    subject    text,
    body       text        NOT NULL,
    headers    jsonb       NOT NULL DEFAULT '{}',
    sent_at    timestamptz NOT NULL DEFAULT now()
);
-- outbox_list: newest first.
CREATE INDEX outbox_sent_idx ON outbox (sent_at DESC);

-- One row per running worker, updated every few seconds: a stalled worker shows as an old beat.
CREATE TABLE worker_heartbeats (
    worker     text PRIMARY KEY,
    host       text        NOT NULL,
    pid        integer     NOT NULL,
    started_at timestamptz NOT NULL DEFAULT now(),
    beat_at    timestamptz NOT NULL DEFAULT now(),
    sent       bigint      NOT NULL DEFAULT 0,
    failed     bigint      NOT NULL DEFAULT 0,
    state      text        NOT NULL DEFAULT 'running' CHECK (state IN ('running', 'draining', 'stopped'))
);

-- A provider's permanent refusal (invalid number, suppressed address) is recorded in the
-- consent ledger as an unreachable recipient.
ALTER TABLE consent_events DROP CONSTRAINT consent_events_action_check;
ALTER TABLE consent_events ADD CONSTRAINT consent_events_action_check
    CHECK (action IN ('opt_in', 'opt_out', 'unreachable'));

-- Per-customer frequency cap: at most one sent message of the campaign's kind (survey, say)
-- per this interval, checked just before each send. NULL: no cap.
ALTER TABLE campaigns ADD COLUMN frequency_cap interval CHECK (frequency_cap > interval '0');
