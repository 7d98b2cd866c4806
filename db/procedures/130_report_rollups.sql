-- Report rollups (campaign-wide and per location, 0026) kept by statement triggers, in the
-- transaction of each change. Hourly counts (sends and interactions) are kept per location
-- only: campaign_timeseries sums the locations when it reads (the campaign-wide
-- campaign_hourly_counts of 0008 was dropped in 0028). They run as their owner: the API's role reads
-- the rollups of its own campaigns and writes none.

CREATE OR REPLACE FUNCTION message_events_counted() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
    -- per location too (0026): an event's location is its message's
    WITH e AS MATERIALIZED (
        SELECT r.campaign_id, coalesce(m.location_id, 0) AS location_id, r.kind,
               date_trunc('hour', r.occurred_at) AS hour, count(*) AS n
        FROM new_rows r LEFT JOIN messages m ON m.id = r.message_id
        GROUP BY 1, 2, 3, 4
    ), c AS (
        INSERT INTO campaign_event_counts AS t (campaign_id, kind, slot, n)
        SELECT campaign_id, kind, rollup_slot(), sum(n) FROM e GROUP BY 1, 2 ORDER BY 1, 2
        ON CONFLICT (campaign_id, kind, slot) DO UPDATE SET n = t.n + excluded.n
    ), lc AS (
        INSERT INTO campaign_location_event_counts AS t (campaign_id, location_id, kind, slot, n)
        SELECT campaign_id, location_id, kind, rollup_slot(), sum(n) FROM e
        GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
        ON CONFLICT (campaign_id, location_id, kind, slot) DO UPDATE SET n = t.n + excluded.n
    )
    INSERT INTO campaign_location_hourly_counts AS t (campaign_id, location_id, hour, metric, slot, n)
    SELECT campaign_id, location_id, hour, kind, rollup_slot(), n FROM e ORDER BY 1, 2, 3, 4
    ON CONFLICT (campaign_id, location_id, hour, metric, slot) DO UPDATE SET n = t.n + excluded.n;
    RETURN NULL;
END
$$;

DROP TRIGGER IF EXISTS message_events_counts ON message_events;
CREATE TRIGGER message_events_counts AFTER INSERT ON message_events
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION message_events_counted();

-- Sends per hour: complete_messages sets sent_at = now() on the rows it sends, so within the
-- statement's transaction "sent_at = now()" picks exactly the rows sent by it.
CREATE OR REPLACE FUNCTION messages_sent_counted() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
    -- Sends per hour are kept per location only: every completion runs this, and a second
    -- (campaign-wide) upsert cost a tenth of one process's send rate (bench/RESULTS.md).
    -- campaign_timeseries sums the locations when it reads.
    INSERT INTO campaign_location_hourly_counts AS t (campaign_id, location_id, hour, metric, slot, n)
    SELECT campaign_id, coalesce(location_id, 0), date_trunc('hour', sent_at), 'sent',
           rollup_slot(), count(*)
    FROM new_rows WHERE status = 'sent' AND sent_at = now()
    GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT (campaign_id, location_id, hour, metric, slot) DO UPDATE SET n = t.n + excluded.n;
    RETURN NULL;
END
$$;

-- Not called for lease-only updates (claims, send markers: see messages_counts_update).
DROP TRIGGER IF EXISTS messages_sent_hourly ON messages;
CREATE TRIGGER messages_sent_hourly AFTER UPDATE ON messages
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT
    WHEN (current_setting('reminderly.lease_only', true) IS DISTINCT FROM 'on')
    EXECUTE FUNCTION messages_sent_counted();

CREATE OR REPLACE FUNCTION survey_responses_counted() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
    WITH s AS MATERIALIZED (
        SELECT r.campaign_id, coalesce(m.location_id, 0) AS location_id, r.score,
               count(*) AS n, count(r.comment) AS comments
        FROM new_rows r LEFT JOIN messages m ON m.id = r.message_id
        GROUP BY 1, 2, 3
    ), c AS (
        INSERT INTO survey_score_counts AS t (campaign_id, score, slot, n, comments)
        SELECT campaign_id, score, rollup_slot(), sum(n), sum(comments) FROM s GROUP BY 1, 2 ORDER BY 1, 2
        ON CONFLICT (campaign_id, score, slot) DO UPDATE SET n = t.n + excluded.n, comments = t.comments + excluded.comments
    )
    INSERT INTO survey_location_score_counts AS t (campaign_id, location_id, score, slot, n, comments)
    SELECT campaign_id, location_id, score, rollup_slot(), n, comments FROM s ORDER BY 1, 2, 3
    ON CONFLICT (campaign_id, location_id, score, slot)
        DO UPDATE SET n = t.n + excluded.n, comments = t.comments + excluded.comments;
    RETURN NULL;
END
$$;

DROP TRIGGER IF EXISTS survey_responses_counts ON survey_responses;
CREATE TRIGGER survey_responses_counts AFTER INSERT ON survey_responses
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION survey_responses_counted();
