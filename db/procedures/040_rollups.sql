-- Rollup counters kept by statement-level triggers in the same transaction as every insert
-- or status change of messages: per campaign, per packet, and per campaign and location. Deletes (archive_campaign) are not counted: rollups outlive
-- the rows they count.
-- The trigger functions run as their owner (SECURITY DEFINER): the API's role may read its own
-- accounts' rollups but never write them.

-- Add the status counts of inserted messages to the campaign and packet rollups.
CREATE OR REPLACE FUNCTION messages_count_inserted() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
    WITH d AS MATERIALIZED (
        SELECT campaign_id, packet_id, coalesce(location_id, 0) AS location_id, status, reason, count(*) AS n
        FROM new_rows GROUP BY 1, 2, 3, 4, 5
    ), c AS (
        INSERT INTO campaign_message_counts AS t (campaign_id, status, reason, slot, n)
        SELECT campaign_id, status, reason, rollup_slot(), sum(n)
        FROM d GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
        ON CONFLICT (campaign_id, status, reason, slot) DO UPDATE SET n = t.n + excluded.n
    ), l AS (
        INSERT INTO campaign_location_counts AS t (campaign_id, location_id, status, slot, n)
        SELECT campaign_id, location_id, status, rollup_slot(), sum(n)
        FROM d GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
        ON CONFLICT (campaign_id, location_id, status, slot) DO UPDATE SET n = t.n + excluded.n
    )
    INSERT INTO packet_message_counts AS t (packet_id, status, reason, slot, n)
    SELECT packet_id, status, reason, rollup_slot(), sum(n)
    FROM d GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT (packet_id, status, reason, slot) DO UPDATE SET n = t.n + excluded.n;
    RETURN NULL;
END
$$;

-- Move the counts of messages whose status or reason changed: subtract the old rows' counts,
-- add the new rows', keep the keys that do not cancel out. Two aggregations and no join, so
-- the cost is linear in the rows updated (a join of the transition tables, which have no
-- statistics, can be planned as a nested loop: hours for 100k rows).
CREATE OR REPLACE FUNCTION messages_count_updated() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
    WITH d AS MATERIALIZED (
        SELECT campaign_id, packet_id, location_id, status, reason, sum(n) AS n
        FROM (SELECT campaign_id, packet_id, coalesce(location_id, 0) AS location_id, status, reason, -count(*) AS n
              FROM old_rows GROUP BY 1, 2, 3, 4, 5
              UNION ALL
              SELECT campaign_id, packet_id, coalesce(location_id, 0), status, reason, count(*)
              FROM new_rows GROUP BY 1, 2, 3, 4, 5) AS x
        GROUP BY 1, 2, 3, 4, 5 HAVING sum(n) <> 0
    ), c AS (
        INSERT INTO campaign_message_counts AS t (campaign_id, status, reason, slot, n)
        SELECT campaign_id, status, reason, rollup_slot(), sum(n)
        FROM d GROUP BY 1, 2, 3 HAVING sum(n) <> 0 ORDER BY 1, 2, 3
        ON CONFLICT (campaign_id, status, reason, slot) DO UPDATE SET n = t.n + excluded.n
    ), l AS (
        INSERT INTO campaign_location_counts AS t (campaign_id, location_id, status, slot, n)
        SELECT campaign_id, location_id, status, rollup_slot(), sum(n)
        FROM d GROUP BY 1, 2, 3 HAVING sum(n) <> 0 ORDER BY 1, 2, 3
        ON CONFLICT (campaign_id, location_id, status, slot) DO UPDATE SET n = t.n + excluded.n
    )
    INSERT INTO packet_message_counts AS t (packet_id, status, reason, slot, n)
    SELECT packet_id, status, reason, rollup_slot(), sum(n)
    FROM d GROUP BY 1, 2, 3 HAVING sum(n) <> 0 ORDER BY 1, 2, 3
    ON CONFLICT (packet_id, status, reason, slot) DO UPDATE SET n = t.n + excluded.n;
    RETURN NULL;
END
$$;

DROP TRIGGER IF EXISTS messages_counts_insert ON messages;
CREATE TRIGGER messages_counts_insert AFTER INSERT ON messages
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION messages_count_inserted();

-- (A column list, UPDATE OF status, would spare claims the trigger, but PostgreSQL does not
-- allow one with transition tables.) Updates that change only lease and send-marker columns
-- (claim_batch, begin_send's marker: 060_dispatch.sql) say so in reminderly.lease_only for
-- their own statement, and the WHEN clause skips the call: no count can move for them.
DROP TRIGGER IF EXISTS messages_counts_update ON messages;
CREATE TRIGGER messages_counts_update AFTER UPDATE ON messages
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT
    WHEN (current_setting('reminderly.lease_only', true) IS DISTINCT FROM 'on')
    EXECUTE FUNCTION messages_count_updated();

-- A campaign's message counts by status and reason, from the rollup (O(1) in its size).
CREATE OR REPLACE FUNCTION campaign_counts(p_campaign bigint)
RETURNS TABLE (status text, reason text, n bigint)
LANGUAGE sql STABLE AS $$
    SELECT status, reason, sum(n)::bigint FROM campaign_message_counts
    WHERE campaign_id = p_campaign GROUP BY 1, 2 HAVING sum(n) <> 0 ORDER BY 1, 2
$$;

-- A packet's message counts by status and reason, from the rollup.
CREATE OR REPLACE FUNCTION packet_counts(p_packet bigint)
RETURNS TABLE (status text, reason text, n bigint)
LANGUAGE sql STABLE AS $$
    SELECT status, reason, sum(n)::bigint FROM packet_message_counts
    WHERE packet_id = p_packet GROUP BY 1, 2 HAVING sum(n) <> 0 ORDER BY 1, 2
$$;

-- Rollup rows that disagree with a full count of the hot messages table (expect none while
-- no campaign is archived). A test and benchmark check; it scans everything, so not for
-- production paths.
CREATE OR REPLACE FUNCTION check_rollups()
RETURNS TABLE (campaign_id bigint, status text, reason text, rollup bigint, actual bigint)
LANGUAGE sql STABLE AS $$
    WITH r AS (
        SELECT campaign_id, status, reason, sum(n)::bigint AS n FROM campaign_message_counts
        WHERE campaign_id NOT IN (SELECT id FROM campaigns WHERE archived_at IS NOT NULL)
        GROUP BY 1, 2, 3
    ), a AS (
        SELECT campaign_id, status, reason, count(*) AS n FROM messages GROUP BY 1, 2, 3
    )
    SELECT campaign_id, status, reason, coalesce(r.n, 0), coalesce(a.n, 0)
    FROM r FULL JOIN a USING (campaign_id, status, reason)
    WHERE coalesce(r.n, 0) <> coalesce(a.n, 0)
$$;
