-- 0012_real_week: what a business's real week needs from the packet flow.
-- - every error and warning of a row (a list, the first one still summarised in error_*);
-- - snapshots: a packet may state the scope (appointment times, optionally locations) it is a
--   full list of; appointments of the scope it does not hold are cancelled as absent, behind
--   a per-account safety share;
-- - per-campaign effects of a load (what it planned, replanned and cancelled in each campaign);
-- - locations as a resource: address, send-window override, updated_at.

ALTER TABLE packet_rows ADD COLUMN errors text[];    -- 'column: reason', every error of the row
ALTER TABLE packet_rows ADD COLUMN warnings text[];  -- 'column: reason', kept rows only

ALTER TABLE packets ADD COLUMN rows_warned integer NOT NULL DEFAULT 0;
ALTER TABLE packets ADD COLUMN appointments_absent integer NOT NULL DEFAULT 0;
ALTER TABLE packets ADD COLUMN effects jsonb NOT NULL DEFAULT '[]';
ALTER TABLE packets ADD COLUMN first_send_at timestamptz;
ALTER TABLE packets ADD COLUMN snapshot_from timestamptz;
ALTER TABLE packets ADD COLUMN snapshot_to timestamptz;
ALTER TABLE packets ADD COLUMN snapshot_locations text[];
ALTER TABLE packets ADD COLUMN snapshot_force boolean NOT NULL DEFAULT false;
ALTER TABLE packets ADD CONSTRAINT packets_snapshot_scope
    CHECK ((snapshot_from IS NULL) = (snapshot_to IS NULL) AND snapshot_from < snapshot_to
           OR snapshot_from IS NULL);

-- A snapshot may cancel at most this share of its scope's booked appointments without force.
ALTER TABLE accounts ADD COLUMN snapshot_cancel_limit numeric NOT NULL DEFAULT 0.5
    CHECK (snapshot_cancel_limit BETWEEN 0 AND 1);

ALTER TABLE appointments DROP CONSTRAINT appointments_last_change_check;
ALTER TABLE appointments ADD CONSTRAINT appointments_last_change_check
    CHECK (last_change IN ('new', 'moved', 'cancelled', 'unchanged', 'absent'));

ALTER TABLE locations ADD COLUMN address text CHECK (length(address) <= 500);
ALTER TABLE locations ADD COLUMN send_window_start time;
ALTER TABLE locations ADD COLUMN send_window_end time;
ALTER TABLE locations ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();
ALTER TABLE locations ADD CONSTRAINT locations_send_window
    CHECK ((send_window_start IS NULL) = (send_window_end IS NULL)
           AND (send_window_start IS NULL OR send_window_start < send_window_end));
ALTER TABLE locations ADD CONSTRAINT locations_name_length CHECK (length(name) BETWEEN 1 AND 200);
ALTER TABLE locations ADD CONSTRAINT locations_review_url
    CHECK (review_url ~ '^https?://' AND length(review_url) <= 2000);

-- plan_packet's snapshot scope: an account's booked appointments in a time range.
CREATE INDEX appointments_scope_idx ON appointments (account_id, starts_at) WHERE status = 'booked';

-- Keyword replies (STOP, START, HELP) are consent and help requests, not responses: they are
-- recorded as 'keyword' events, so response rates and customer scores no longer count them.
-- Existing ones are relabelled and their rollups recounted.
UPDATE message_events SET kind = 'keyword'
WHERE kind = 'reply' AND data ->> 'classified' IN ('opt_out', 'opt_in', 'help');
UPDATE message_events_archive SET kind = 'keyword'
WHERE kind = 'reply' AND data ->> 'classified' IN ('opt_out', 'opt_in', 'help');
DELETE FROM campaign_event_counts WHERE kind IN ('reply', 'keyword');
INSERT INTO campaign_event_counts (campaign_id, kind, slot, n)
SELECT campaign_id, kind, 0, count(*)
FROM (SELECT campaign_id, kind FROM message_events WHERE kind IN ('reply', 'keyword')
      UNION ALL
      SELECT campaign_id, kind FROM message_events_archive WHERE kind IN ('reply', 'keyword')) e
GROUP BY 1, 2;
DELETE FROM campaign_hourly_counts WHERE metric IN ('reply', 'keyword');
INSERT INTO campaign_hourly_counts (campaign_id, hour, metric, slot, n)
SELECT campaign_id, date_trunc('hour', occurred_at), kind, 0, count(*)
FROM (SELECT campaign_id, kind, occurred_at FROM message_events WHERE kind IN ('reply', 'keyword')
      UNION ALL
      SELECT campaign_id, kind, occurred_at FROM message_events_archive WHERE kind IN ('reply', 'keyword')) e
GROUP BY 1, 2, 3;

-- Big uploads load in the background: the API stores the body (packet_uploads, 1 MiB chunks)
-- and answers 202; a worker loads it. receiving (stored, waiting for a worker) -> loading (a
-- worker holds it under a lease) -> ready | failed. rows_read shows progress.
ALTER TABLE packets DROP CONSTRAINT packets_status_check;
ALTER TABLE packets ADD CONSTRAINT packets_status_check
    CHECK (status IN ('receiving', 'loading', 'received', 'loaded', 'validated', 'ready',
                      'dispatching', 'completed', 'failed', 'cancelled'));
ALTER TABLE packets ADD COLUMN rows_read bigint NOT NULL DEFAULT 0;
ALTER TABLE packets ADD COLUMN body_bytes bigint;
ALTER TABLE packets ADD COLUMN content_type text;
ALTER TABLE packets ADD COLUMN upload_checksum bytea;  -- SHA-256 of the stored body (idempotent replays)
ALTER TABLE packets ADD COLUMN load_lease_expires_at timestamptz;
ALTER TABLE packets ADD COLUMN load_owner text;

CREATE TABLE packet_uploads (
    packet_id bigint  NOT NULL,
    seq       integer NOT NULL,
    data      bytea   NOT NULL,
    PRIMARY KEY (packet_id, seq)
);
ALTER TABLE packet_uploads ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON packet_uploads TO reminderly_api
    USING (packet_id IN (SELECT id FROM packets))
    WITH CHECK (packet_id IN (SELECT id FROM packets));
GRANT SELECT, INSERT, DELETE ON packet_uploads TO reminderly_api;

-- claim_packet_load: the oldest stored upload nobody is loading.
CREATE INDEX packets_receiving_idx ON packets (id) WHERE status IN ('receiving', 'loading');

-- The dashboard's check-before-commit: an uploaded file kept while its dry run is on screen,
-- loaded for real only when the operator confirms (purged after a day by maintenance).
CREATE TABLE packet_drafts (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id  bigint      NOT NULL REFERENCES accounts (id),
    campaign_id bigint      NOT NULL REFERENCES campaigns (id),
    filename    text,
    body        bytea       NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE packet_drafts ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON packet_drafts TO reminderly_api
    USING (account_id = app_account_id()) WITH CHECK (account_id = app_account_id());
GRANT SELECT, INSERT, DELETE ON packet_drafts TO reminderly_api;
