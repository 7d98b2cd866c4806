-- Maintenance: archive finished campaigns, purge PII past retention, keep statistics fresh,
-- and say where a campaign's data lives.

-- Archive a campaign: cancel what has not gone, then move its messages and events out of the
-- hot tables into the *_archive tables. Its rollup counters stay, so reports still work.
-- Returns the number of messages moved.
-- It runs as its owner (SECURITY DEFINER: the API's role has no access to the archive tables);
-- called under a SET ROLE (an API request), the campaign must belong to the request's account.
CREATE OR REPLACE FUNCTION archive_campaign(p_campaign bigint) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
    n bigint;
BEGIN
    IF current_setting('role') <> 'none' AND NOT EXISTS (
        SELECT 1 FROM campaigns WHERE id = p_campaign AND account_id = app_account_id()) THEN
        RAISE EXCEPTION 'campaign % does not exist', p_campaign USING ERRCODE = 'no_data_found';
    END IF;
    PERFORM 1 FROM campaigns WHERE id = p_campaign AND status = 'archived' AND archived_at IS NULL FOR UPDATE;
    IF NOT FOUND THEN
        PERFORM set_campaign_status(p_campaign, 'archived');
    END IF;
    UPDATE messages SET status = 'cancelled', reason = 'campaign_archived', lease_owner = NULL,
           lease_expires_at = NULL, updated_at = now()
    WHERE campaign_id = p_campaign AND message_pending(status);
    UPDATE packets SET status = 'completed', completed_at = now()
    WHERE campaign_id = p_campaign AND status IN ('ready', 'dispatching');

    WITH moved AS (DELETE FROM message_events WHERE campaign_id = p_campaign RETURNING *)
    INSERT INTO message_events_archive SELECT * FROM moved;
    WITH moved AS (DELETE FROM messages WHERE campaign_id = p_campaign RETURNING *)
    INSERT INTO messages_archive SELECT * FROM moved;
    GET DIAGNOSTICS n = ROW_COUNT;
    UPDATE campaigns SET archived_at = now(), updated_at = now() WHERE id = p_campaign;
    RETURN n;
END
$$;

-- Purge personal data of customers not seen for `retention` and with nothing pending: names,
-- phone, email and appointment merge fields, and every free text kept about them
-- (forget_customer_texts, 170_inbox.sql: replies, survey comments, notes, answers, the local
-- outbox's copies), as erasure on request does; ids, statuses and counts stay for reports.
-- Raw packet rows (which hold the same data) older than `retention` are deleted. The worker
-- runs it daily (REMINDERLY_PII_RETENTION_DAYS); `reminderly maintain purge-pii` by hand.
CREATE OR REPLACE FUNCTION purge_pii(retention interval, OUT customers_purged integer,
                                     OUT packet_rows_deleted integer)
LANGUAGE plpgsql AS $$
DECLARE
    gone bigint[];
BEGIN
    WITH g AS (
        UPDATE customers c SET first_name = NULL, last_name = NULL, phone = NULL, email = NULL,
               pii_purged_at = now(), updated_at = now()
        WHERE c.pii_purged_at IS NULL AND c.last_seen_at < now() - retention
          AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.customer_id = c.id
                          AND message_pending(m.status))
        RETURNING c.id
    )
    SELECT coalesce(array_agg(id), '{}') INTO gone FROM g;
    customers_purged := cardinality(gone);
    IF customers_purged > 0 THEN
        UPDATE appointments SET merge_fields = '{}', updated_at = now()
        WHERE customer_id = ANY (gone);
        PERFORM forget_customer_texts(gone);
    END IF;

    DELETE FROM packet_rows r USING packets p
    WHERE r.packet_id = p.id AND p.received_at < now() - retention;
    GET DIAGNOSTICS packet_rows_deleted = ROW_COUNT;
END
$$;

-- Refresh planner statistics of the hot tables (after a big load or an archive).
CREATE OR REPLACE PROCEDURE analyze_hot_tables()
LANGUAGE plpgsql AS $$
BEGIN
    ANALYZE messages;
    ANALYZE packets;
    ANALYZE packet_rows;
    ANALYZE customers;
    ANALYZE appointments;
    ANALYZE campaign_message_counts;
    ANALYZE packet_message_counts;
END
$$;

-- Translate a campaign into the relations and rows that hold its data, for reporting: each
-- relation, the predicate that selects the campaign's rows in it, the index that serves that
-- predicate, and the planner's estimate of the rows.
CREATE OR REPLACE FUNCTION campaign_relations(p_campaign bigint)
RETURNS TABLE (role text, relation regclass, predicate text, index regclass, estimated_rows bigint)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    archived boolean;
    pred text := format('campaign_id = %s', p_campaign);
BEGIN
    SELECT archived_at IS NOT NULL INTO archived FROM campaigns WHERE id = p_campaign;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'campaign % does not exist', p_campaign USING ERRCODE = 'no_data_found';
    END IF;
    RETURN QUERY
    SELECT x.role, x.rel, x.pred, x.idx,
           (SELECT (regexp_match(line, 'rows=(\d+)'))[1]::bigint
            FROM campaign_relations_explain(x.rel, x.pred) AS line LIMIT 1)
    FROM (VALUES
        ('counts', 'campaign_message_counts'::regclass, pred, 'campaign_message_counts_pkey'::regclass),
        ('packets', 'packets'::regclass, pred, 'packets_campaign_idx'::regclass),
        ('steps', 'campaign_steps'::regclass, pred, 'campaign_steps_pkey'::regclass),
        ('messages', CASE WHEN archived THEN 'messages_archive'::regclass ELSE 'messages'::regclass END, pred,
                     CASE WHEN archived THEN 'messages_archive_campaign_idx'::regclass ELSE 'messages_once'::regclass END),
        ('events', CASE WHEN archived THEN 'message_events_archive'::regclass ELSE 'message_events'::regclass END, pred,
                   CASE WHEN archived THEN 'message_events_archive_campaign_idx'::regclass ELSE 'message_events_campaign_idx'::regclass END)
    ) AS x(role, rel, pred, idx);
END
$$;

-- The planner's first EXPLAIN line for selecting `predicate` from `rel` (its row estimate).
CREATE OR REPLACE FUNCTION campaign_relations_explain(rel regclass, predicate text)
RETURNS SETOF text
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    RETURN QUERY EXECUTE format('EXPLAIN SELECT 1 FROM %s WHERE %s', rel, predicate);
END
$$;

-- Rows of the high-volume tables whose parent is missing, per reference (expect none: these
-- tables have no foreign keys, the procedures keep them consistent). Scans: tests only.
CREATE OR REPLACE FUNCTION check_references()
RETURNS TABLE (reference text, orphans bigint)
LANGUAGE sql STABLE AS $$
    SELECT 'customers.account_id', count(*) FROM customers c
        WHERE NOT EXISTS (SELECT 1 FROM accounts a WHERE a.id = c.account_id)
    UNION ALL SELECT 'packet_rows.packet_id', count(*) FROM packet_rows r
        WHERE NOT EXISTS (SELECT 1 FROM packets p WHERE p.id = r.packet_id)
    UNION ALL SELECT 'appointments.customer_id', count(*) FROM appointments x
        WHERE NOT EXISTS (SELECT 1 FROM customers c WHERE c.id = x.customer_id AND c.account_id = x.account_id)
    UNION ALL SELECT 'appointments.last_packet_id', count(*) FROM appointments x
        WHERE NOT EXISTS (SELECT 1 FROM packets p WHERE p.id = x.last_packet_id AND p.account_id = x.account_id)
    UNION ALL SELECT 'appointments.location_id', count(*) FROM appointments x
        WHERE x.location_id IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM locations l WHERE l.id = x.location_id AND l.account_id = x.account_id)
    -- campaign 0: the inbox's answers, whose appointment_id is minus their answers row's id
    UNION ALL SELECT 'messages.campaign_id', count(*) FROM messages m
        WHERE m.campaign_id <> 0
          AND NOT EXISTS (SELECT 1 FROM campaigns c WHERE c.id = m.campaign_id AND c.account_id = m.account_id)
    UNION ALL SELECT 'messages.packet_id', count(*) FROM messages m
        WHERE m.campaign_id <> 0
          AND NOT EXISTS (SELECT 1 FROM packets p WHERE p.id = m.packet_id AND p.campaign_id = m.campaign_id)
    UNION ALL SELECT 'messages.customer_id', count(*) FROM messages m
        WHERE NOT EXISTS (SELECT 1 FROM customers c WHERE c.id = m.customer_id AND c.account_id = m.account_id)
    UNION ALL SELECT 'messages.appointment_id', count(*) FROM messages m
        WHERE m.campaign_id <> 0
          AND NOT EXISTS (SELECT 1 FROM appointments a WHERE a.id = m.appointment_id AND a.account_id = m.account_id)
    UNION ALL SELECT 'messages.answer', count(*) FROM messages m
        WHERE m.campaign_id = 0
          AND NOT EXISTS (SELECT 1 FROM answers x WHERE x.id = -m.appointment_id
                            AND x.account_id = m.account_id AND x.customer_id = m.customer_id)
$$;
