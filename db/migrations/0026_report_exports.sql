-- 0026_report_exports: reports per location, and CSV exports built in the background.
--
-- 1. The interaction, hourly and survey rollups gain a location dimension (kept by the same
--    statement triggers as the campaign-wide ones, db/procedures/130_report_rollups.sql), so
--    a report filtered to one location costs the same few key lookups as the whole campaign's.
--    Location 0 is "appointments without a location", as in campaign_location_counts.
-- 2. A member scoped to one location reads only that location's rows of these rollups, and
--    no longer reads the campaign-wide ones (they include other locations; 0020 already hid
--    the campaign-wide message counts).
-- 3. report_exports: a CSV export of a campaign's messages over a date range too large to
--    stream in the request, queued here, built by a worker's export thread into
--    report_export_chunks, downloadable until it expires. The API's role only reads it (its
--    location scope applied); it asks for one through report_export_request (160-style
--    SECURITY DEFINER, db/procedures/177_report_exports.sql), which fixes the account and
--    refuses a location outside the member's scope, whatever the caller's code does.

CREATE TABLE campaign_location_event_counts (
    campaign_id bigint   NOT NULL,
    location_id bigint   NOT NULL,
    kind        text     NOT NULL,
    slot        smallint NOT NULL,
    n           bigint   NOT NULL,
    PRIMARY KEY (campaign_id, location_id, kind, slot)
);

CREATE TABLE campaign_location_hourly_counts (
    campaign_id bigint      NOT NULL,
    location_id bigint      NOT NULL,
    hour        timestamptz NOT NULL,
    metric      text        NOT NULL,
    slot        smallint    NOT NULL,
    n           bigint      NOT NULL,
    PRIMARY KEY (campaign_id, location_id, hour, metric, slot)
);

CREATE TABLE survey_location_score_counts (
    campaign_id bigint   NOT NULL,
    location_id bigint   NOT NULL,
    score       smallint NOT NULL,
    slot        smallint NOT NULL,
    n           bigint   NOT NULL,
    comments    bigint   NOT NULL,
    PRIMARY KEY (campaign_id, location_id, score, slot)
);

-- What exists already, counted once (as 0008 did for the campaign-wide rollups).
INSERT INTO campaign_location_event_counts (campaign_id, location_id, kind, slot, n)
SELECT e.campaign_id, coalesce(m.location_id, 0), e.kind, 0, count(*)
FROM message_events e LEFT JOIN messages m ON m.id = e.message_id GROUP BY 1, 2, 3;
INSERT INTO campaign_location_hourly_counts (campaign_id, location_id, hour, metric, slot, n)
SELECT e.campaign_id, coalesce(m.location_id, 0), date_trunc('hour', e.occurred_at), e.kind, 0, count(*)
FROM message_events e LEFT JOIN messages m ON m.id = e.message_id GROUP BY 1, 2, 3, 4;
INSERT INTO campaign_location_hourly_counts (campaign_id, location_id, hour, metric, slot, n)
SELECT campaign_id, coalesce(location_id, 0), date_trunc('hour', sent_at), 'sent', 0, count(*)
FROM messages WHERE sent_at IS NOT NULL GROUP BY 1, 2, 3
ON CONFLICT (campaign_id, location_id, hour, metric, slot)
    DO UPDATE SET n = campaign_location_hourly_counts.n + excluded.n;
INSERT INTO survey_location_score_counts (campaign_id, location_id, score, slot, n, comments)
SELECT s.campaign_id, coalesce(m.location_id, 0), s.score, 0, count(*), count(s.comment)
FROM survey_responses s LEFT JOIN messages m ON m.id = s.message_id GROUP BY 1, 2, 3;

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['campaign_location_event_counts', 'campaign_location_hourly_counts',
                             'survey_location_score_counts'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I TO reminderly_api '
                       'USING (campaign_id IN (SELECT id FROM campaigns))', t);
        EXECUTE format('CREATE POLICY location_scope ON %I AS RESTRICTIVE FOR SELECT '
                       'TO reminderly_api USING (app_location_id() IS NULL '
                       'OR location_id = app_location_id())', t);
        EXECUTE format('GRANT SELECT ON %I TO reminderly_api', t);
    END LOOP;
    -- the campaign-wide rollups include every location: not for a location-scoped member
    FOREACH t IN ARRAY ARRAY['campaign_event_counts', 'campaign_hourly_counts',
                             'survey_score_counts'] LOOP
        EXECUTE format('CREATE POLICY location_scope ON %I AS RESTRICTIVE FOR SELECT '
                       'TO reminderly_api USING (app_location_id() IS NULL)', t);
    END LOOP;
END
$$;

CREATE TABLE report_exports (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id       bigint      NOT NULL REFERENCES accounts (id),
    campaign_id      bigint      NOT NULL,
    -- the location the export is limited to; NULL: every location (only for a member who
    -- sees every location, which the request function enforces)
    location_id      bigint      REFERENCES locations (id),
    since            timestamptz NOT NULL,
    until            timestamptz NOT NULL CHECK (until > since),
    requested_user   bigint      REFERENCES users (id),
    requested_key    bigint      REFERENCES api_keys (id),
    state            text        NOT NULL DEFAULT 'queued'
                     CHECK (state IN ('queued', 'running', 'done', 'failed', 'expired')),
    rows_expected    bigint      NOT NULL DEFAULT 0,
    rows_written     bigint      NOT NULL DEFAULT 0,
    bytes            bigint      NOT NULL DEFAULT 0,
    attempts         smallint    NOT NULL DEFAULT 0,
    lease_owner      text,
    lease_until      timestamptz,
    error            text        CHECK (length(error) <= 500),
    created_at       timestamptz NOT NULL DEFAULT now(),
    started_at       timestamptz,
    finished_at      timestamptz,
    expires_at       timestamptz,
    CHECK (state <> 'done' OR (expires_at IS NOT NULL AND finished_at IS NOT NULL))
);
CREATE INDEX report_exports_account_idx ON report_exports (account_id, id DESC);
CREATE INDEX report_exports_todo_idx ON report_exports (id) WHERE state IN ('queued', 'running');
CREATE INDEX report_exports_done_idx ON report_exports (expires_at) WHERE state = 'done';

-- The built file, in chunks of about 1 MiB (read back one chunk a query, as packet uploads).
CREATE TABLE report_export_chunks (
    export_id bigint  NOT NULL REFERENCES report_exports (id) ON DELETE CASCADE,
    seq       integer NOT NULL,
    data      bytea   NOT NULL,
    PRIMARY KEY (export_id, seq)
);

GRANT SELECT ON report_exports, report_export_chunks TO reminderly_api;

ALTER TABLE report_exports ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON report_exports TO reminderly_api
    USING (account_id = app_account_id());
-- a location-scoped member sees (and downloads) only exports of their own location
CREATE POLICY location_scope ON report_exports AS RESTRICTIVE FOR SELECT TO reminderly_api
    USING (app_location_id() IS NULL OR location_id = app_location_id());
ALTER TABLE report_export_chunks ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON report_export_chunks TO reminderly_api
    USING (export_id IN (SELECT id FROM report_exports));

DO $$
DECLARE
    t text;
BEGIN
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'reminderly_api_login') THEN
        FOREACH t IN ARRAY ARRAY['campaign_location_event_counts', 'campaign_location_hourly_counts',
                                 'survey_location_score_counts', 'report_exports',
                                 'report_export_chunks'] LOOP
            EXECUTE format('CREATE POLICY service_logins ON %I TO reminderly_api_login, '
                           'reminderly_worker_login USING (true) WITH CHECK (true)', t);
        END LOOP;
    END IF;
END
$$;

-- Uploads by a member scoped to one location write appointments of that location only
-- (validate_packet refuses other rows with their reason; this holds whatever code runs).
CREATE POLICY location_scope_insert ON appointments AS RESTRICTIVE FOR INSERT TO reminderly_api
    WITH CHECK (app_location_id() IS NULL OR location_id = app_location_id());
CREATE POLICY location_scope_update ON appointments AS RESTRICTIVE FOR UPDATE TO reminderly_api
    USING (app_location_id() IS NULL OR location_id = app_location_id())
    WITH CHECK (app_location_id() IS NULL OR location_id = app_location_id());
-- ... and may create the customers of their rows: a customer is visible to them when they have
-- an appointment at the member's location, or when this very transaction created the row
-- (created_at is now(), the transaction's start), so an upload's new customer can be read
-- back for its appointment. An existing customer of another location stays hidden, and its
-- upsert refused (validate_packet names the row first).
DROP POLICY location_scope ON customers;
CREATE POLICY location_scope ON customers AS RESTRICTIVE FOR SELECT TO reminderly_api
    USING (app_location_id() IS NULL OR created_at = now() OR EXISTS (
        SELECT FROM appointments a WHERE a.customer_id = customers.id
                                     AND a.location_id = app_location_id()));
