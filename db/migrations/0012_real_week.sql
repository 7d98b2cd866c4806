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
