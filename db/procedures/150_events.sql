-- Events for API consumers, written by statement triggers in the transaction of the change
-- (the outbox of 0013_events.sql). Statement triggers over transition tables, like the
-- rollups (040_rollups.sql): one INSERT per statement whatever its size, and statements that
-- change nothing an integrator cares about (claims, mark_ready, cancellations) only scan
-- their transition table. A status change is found without joining the old and new rows
-- (transition tables have no statistics; a join can be planned as a nested loop): the rows
-- that entered a status are the (id, status) pairs counted once more in new than in old.
--
-- Payloads carry ids (reminderly's and the business's external customer, appointment and
-- location ids) and what the event is about, never a phone number, an email address or a
-- message text. They run as their owner (SECURITY DEFINER): the API's role only reads events.

-- {"id": .., "external_id": ..} or null: a resource reference in a payload.
CREATE OR REPLACE FUNCTION event_ref(p_id bigint, p_external_id text) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN p_id IS NULL THEN NULL
                ELSE jsonb_build_object('id', p_id, 'external_id', p_external_id) END
$$;

-- message.sent | message.delivered | message.failed | message.dead
CREATE OR REPLACE FUNCTION messages_emit_events() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
    WITH entered AS MATERIALIZED (
        SELECT id, status, max(account_id) AS account_id, max(campaign_id) AS campaign_id,
               max(packet_id) AS packet_id, max(customer_id) AS customer_id,
               max(appointment_id) AS appointment_id, max(location_id) AS location_id,
               max(step) AS step, max(channel) AS channel, max(reason) AS reason,
               max(attempts) AS attempts
        FROM (SELECT id, status, 1 AS s, account_id, campaign_id, packet_id, customer_id,
                     appointment_id, location_id, step, channel, reason, attempts
              FROM new_rows WHERE status IN ('sent', 'delivered', 'failed', 'dead')
              UNION ALL
              SELECT id, status, -1, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
              FROM old_rows WHERE status IN ('sent', 'delivered', 'failed', 'dead')) AS x
        GROUP BY id, status HAVING sum(s) > 0
    )
    INSERT INTO events (account_id, type, campaign_id, packet_id, message_id, customer_id,
                        appointment_id, location_id, customer_external_id,
                        appointment_external_id, location_external_id, data)
    SELECT e.account_id, 'message.' || e.status, e.campaign_id, e.packet_id, e.id, e.customer_id,
           e.appointment_id, l.id, cu.external_id, a.external_id, l.external_id,
           jsonb_build_object(
               'message', jsonb_build_object('id', e.id, 'campaign_id', e.campaign_id,
                                             'packet_id', e.packet_id, 'step', e.step,
                                             'channel', e.channel, 'status', e.status,
                                             'reason', nullif(e.reason, ''), 'attempts', e.attempts),
               'customer', event_ref(cu.id, cu.external_id),
               'appointment', event_ref(a.id, a.external_id) || jsonb_build_object('starts_at', a.starts_at),
               'location', event_ref(l.id, l.external_id))
    FROM entered e
    LEFT JOIN customers cu ON cu.id = e.customer_id
    LEFT JOIN appointments a ON a.id = e.appointment_id
    LEFT JOIN locations l ON l.id = coalesce(e.location_id, a.location_id)
    ORDER BY e.id;
    RETURN NULL;
END
$$;

DROP TRIGGER IF EXISTS messages_events ON messages;
CREATE TRIGGER messages_events AFTER UPDATE ON messages
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION messages_emit_events();

-- reply.received (with the classified intent, not the text) | appointment.confirmed |
-- appointment.cancelled_by_customer | review.clicked, from the interaction ledger.
CREATE OR REPLACE FUNCTION message_events_emit_events() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
    WITH e AS MATERIALIZED (
        SELECT n.id, n.account_id, n.message_id, n.data,
               CASE WHEN n.kind IN ('reply', 'keyword') THEN 'reply.received'
                    WHEN n.kind = 'confirmed' THEN 'appointment.confirmed'
                    WHEN n.kind = 'cancelled_by_customer' THEN 'appointment.cancelled_by_customer'
                    WHEN n.kind = 'link_clicked' AND n.data ->> 'target' = 'review_request'
                        THEN 'review.clicked' END AS type
        FROM new_rows n
        WHERE n.kind IN ('reply', 'keyword', 'confirmed', 'cancelled_by_customer', 'link_clicked')
    )
    INSERT INTO events (account_id, type, campaign_id, packet_id, message_id, customer_id,
                        appointment_id, location_id, customer_external_id,
                        appointment_external_id, location_external_id, data)
    SELECT e.account_id, e.type, m.campaign_id, m.packet_id, m.id, m.customer_id, m.appointment_id,
           l.id, cu.external_id, a.external_id, l.external_id,
           jsonb_build_object(
               'message', jsonb_build_object('id', m.id, 'campaign_id', m.campaign_id,
                                             'step', m.step, 'channel', m.channel),
               'customer', event_ref(cu.id, cu.external_id),
               'appointment', event_ref(a.id, a.external_id)
                              || jsonb_build_object('starts_at', a.starts_at, 'status',
                                     -- record_reply writes the event before the cancellation
                                     CASE WHEN e.type = 'appointment.cancelled_by_customer'
                                          THEN 'cancelled' ELSE a.status END),
               'location', event_ref(l.id, l.external_id))
           || CASE WHEN e.type = 'reply.received'
                   THEN jsonb_build_object('intent', coalesce(e.data ->> 'classified', 'other'))
                   ELSE '{}' END
    FROM e
    JOIN messages m ON m.id = e.message_id
    LEFT JOIN customers cu ON cu.id = m.customer_id
    LEFT JOIN appointments a ON a.id = m.appointment_id
    LEFT JOIN locations l ON l.id = coalesce(m.location_id, a.location_id)
    WHERE e.type IS NOT NULL
    ORDER BY e.id;
    RETURN NULL;
END
$$;

DROP TRIGGER IF EXISTS message_events_events ON message_events;
CREATE TRIGGER message_events_events AFTER INSERT ON message_events
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION message_events_emit_events();

-- consent.opted_out | consent.opted_in, from the consent ledger.
CREATE OR REPLACE FUNCTION consent_events_emit_events() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
    INSERT INTO events (account_id, type, customer_id, customer_external_id, data)
    SELECT n.account_id, CASE n.action WHEN 'opt_out' THEN 'consent.opted_out' ELSE 'consent.opted_in' END,
           n.customer_id, cu.external_id,
           jsonb_build_object('customer', event_ref(cu.id, cu.external_id), 'channel', n.channel,
                              'source', n.source)
    FROM new_rows n
    LEFT JOIN customers cu ON cu.id = n.customer_id
    WHERE n.action IN ('opt_out', 'opt_in')
    ORDER BY n.id;
    RETURN NULL;
END
$$;

DROP TRIGGER IF EXISTS consent_events_events ON consent_events;
CREATE TRIGGER consent_events_events AFTER INSERT ON consent_events
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION consent_events_emit_events();

-- survey.answered: the score and the comment the customer wrote for the business.
CREATE OR REPLACE FUNCTION survey_responses_emit_events() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
    INSERT INTO events (account_id, type, campaign_id, packet_id, message_id, customer_id,
                        appointment_id, location_id, customer_external_id,
                        appointment_external_id, location_external_id, data)
    SELECT n.account_id, 'survey.answered', n.campaign_id, m.packet_id, n.message_id, n.customer_id,
           m.appointment_id, l.id, cu.external_id, a.external_id, l.external_id,
           jsonb_build_object(
               'score', n.score, 'comment', n.comment, 'channel', n.channel,
               'message', jsonb_build_object('id', n.message_id, 'campaign_id', n.campaign_id),
               'customer', event_ref(cu.id, cu.external_id),
               'appointment', event_ref(a.id, a.external_id) || jsonb_build_object('starts_at', a.starts_at),
               'location', event_ref(l.id, l.external_id))
    FROM new_rows n
    LEFT JOIN messages m ON m.id = n.message_id
    LEFT JOIN customers cu ON cu.id = n.customer_id
    LEFT JOIN appointments a ON a.id = m.appointment_id
    LEFT JOIN locations l ON l.id = coalesce(m.location_id, a.location_id)
    ORDER BY n.message_id;
    RETURN NULL;
END
$$;

DROP TRIGGER IF EXISTS survey_responses_events ON survey_responses;
CREATE TRIGGER survey_responses_events AFTER INSERT ON survey_responses
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION survey_responses_emit_events();

-- packet.ready (plan_packet) | packet.failed (fail_packet, fail_stale_packets).
CREATE OR REPLACE FUNCTION packets_emit_events() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
    WITH entered AS MATERIALIZED (
        SELECT id, status FROM (
            SELECT id, status, 1 AS s FROM new_rows WHERE status IN ('ready', 'failed')
            UNION ALL
            SELECT id, status, -1 FROM old_rows WHERE status IN ('ready', 'failed')) AS x
        GROUP BY id, status HAVING sum(s) > 0
    )
    INSERT INTO events (account_id, type, campaign_id, packet_id, data)
    SELECT p.account_id, 'packet.' || p.status, p.campaign_id, p.id,
           jsonb_build_object('packet', jsonb_strip_nulls(jsonb_build_object(
               'id', p.id, 'campaign_id', p.campaign_id, 'status', p.status,
               'rows_submitted', p.rows_submitted, 'rows_accepted', p.rows_accepted,
               'rows_rejected', p.rows_rejected, 'messages_planned', p.messages_planned,
               'appointments_new', p.appointments_new, 'appointments_moved', p.appointments_moved,
               'appointments_cancelled', p.appointments_cancelled,
               'failure_reason', p.failure_reason)))
    FROM entered e JOIN packets p ON p.id = e.id  -- the few packets that changed, by key
    ORDER BY p.id;
    RETURN NULL;
END
$$;

DROP TRIGGER IF EXISTS packets_events ON packets;
CREATE TRIGGER packets_events AFTER UPDATE ON packets
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION packets_emit_events();

-- Retention: events, finished deliveries and attempts older than `retention` go. Returns how
-- many events were deleted.
CREATE OR REPLACE FUNCTION purge_events(retention interval) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    n integer;
BEGIN
    DELETE FROM events WHERE occurred_at < now() - retention;
    GET DIAGNOSTICS n = ROW_COUNT;
    DELETE FROM webhook_deliveries WHERE created_at < now() - retention AND status <> 'pending';
    DELETE FROM webhook_attempts WHERE attempted_at < now() - retention;
    RETURN n;
END
$$;
