-- Events for API consumers, written by statement triggers in the transaction of the change
-- (the outbox of 0016_events.sql). Statement triggers over transition tables, like the
-- rollups (040_rollups.sql): one INSERT per statement whatever its size; statements that
-- change nothing an integrator cares about (mark_ready, cancellations) only scan their
-- transition table, and claims and send markers do not call the trigger at all (its WHEN). A status change is found without joining the old and new rows
-- (transition tables have no statistics; a join can be planned as a nested loop): the rows
-- that entered a status are the (id, status) pairs counted once more in new than in old.
--
-- Payloads carry ids (reminderly's and the business's external customer, appointment and
-- location ids) and what the event is about, never a phone number, an email address or a
-- message text. They run as their owner (SECURITY DEFINER): the API's role only reads events.
-- A message event's payload is not stored: its row keeps the facts (0027) and readers build it
-- with event_data(e); every other event stores its payload in `data`.

-- {"id": .., "external_id": ..} or null: a resource reference in a payload. STABLE, as
-- jsonb_build_object is: an IMMUTABLE SQL function over a stable one is never inlined, and
-- each call then runs the SQL-function executor (three per event).
CREATE OR REPLACE FUNCTION event_ref(p_id bigint, p_external_id text) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN p_id IS NULL THEN NULL
                ELSE jsonb_build_object('id', p_id, 'external_id', p_external_id) END
$$;

-- message.sent | message.delivered | message.failed | message.dead: a lean row (0027), the
-- payload's facts in columns, its jsonb built when it is read (event_data below). Every send
-- writes one in complete_messages' statement, so this is on the queue's hot path.
CREATE OR REPLACE FUNCTION messages_emit_events() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
    -- most updates (claims, send markers, mark_ready, cancellations) enter none of these
    -- statuses: a scan of the new rows, and done
    IF NOT EXISTS (SELECT 1 FROM new_rows WHERE status IN ('sent', 'delivered', 'failed', 'dead')) THEN
        RETURN NULL;
    END IF;
    -- data NULL: built by event_data() when read. The appointment's start is kept as it is
    -- now: the payload reports the appointment the message was about. The inbox's answers
    -- (campaign 0) are left out: they are a conversation, not a send of the integrator's
    -- campaigns (0024_inbox_answers.sql).
    IF NOT EXISTS (SELECT 1 FROM old_rows WHERE status IN ('sent', 'delivered', 'failed', 'dead')) THEN
        -- No old row in any of them (a send, a failed send: ready -> sent | failed | dead):
        -- every new row in one entered it. The same INSERT as below, straight from new_rows
        -- (no regrouping, no materialized CTE: measured 2 us a message less on the send path).
        INSERT INTO events (account_id, type, campaign_id, packet_id, message_id, customer_id,
                            appointment_id, location_id, customer_external_id,
                            appointment_external_id, location_external_id, message_step,
                            message_channel, message_reason, message_attempts,
                            appointment_starts_at, data)
        SELECT e.account_id, 'message.' || e.status, e.campaign_id, e.packet_id, e.id,
               e.customer_id, e.appointment_id, l.id, cu.external_id, a.external_id,
               l.external_id, e.step, e.channel, e.reason, e.attempts, a.starts_at, NULL
        FROM new_rows e
        LEFT JOIN customers cu ON cu.id = e.customer_id
        LEFT JOIN appointments a ON a.id = e.appointment_id
        LEFT JOIN locations l ON l.id = coalesce(e.location_id, a.location_id)
        WHERE e.status IN ('sent', 'delivered', 'failed', 'dead') AND e.campaign_id <> 0
        ORDER BY e.id;
        RETURN NULL;
    END IF;
    -- Otherwise (a receipt: sent -> delivered) the rows that entered a status are the
    -- (id, status) pairs counted once more in new than in old.
    WITH entered AS MATERIALIZED (
        SELECT id, status, max(account_id) AS account_id, max(campaign_id) AS campaign_id,
               max(packet_id) AS packet_id, max(customer_id) AS customer_id,
               max(appointment_id) AS appointment_id, max(location_id) AS location_id,
               max(step) AS step, max(channel) AS channel, max(reason) AS reason,
               max(attempts) AS attempts
        FROM (SELECT id, status, 1 AS s, account_id, campaign_id, packet_id, customer_id,
                     appointment_id, location_id, step, channel, reason, attempts
              FROM new_rows WHERE status IN ('sent', 'delivered', 'failed', 'dead') AND campaign_id <> 0
              UNION ALL
              SELECT id, status, -1, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
              FROM old_rows WHERE status IN ('sent', 'delivered', 'failed', 'dead')) AS x
        GROUP BY id, status HAVING sum(s) > 0
    )
    INSERT INTO events (account_id, type, campaign_id, packet_id, message_id, customer_id,
                        appointment_id, location_id, customer_external_id,
                        appointment_external_id, location_external_id, message_step,
                        message_channel, message_reason, message_attempts,
                        appointment_starts_at, data)
    SELECT e.account_id, 'message.' || e.status, e.campaign_id, e.packet_id, e.id, e.customer_id,
           e.appointment_id, l.id, cu.external_id, a.external_id, l.external_id, e.step,
           e.channel, e.reason, e.attempts, a.starts_at, NULL
    FROM entered e
    LEFT JOIN customers cu ON cu.id = e.customer_id
    LEFT JOIN appointments a ON a.id = e.appointment_id
    LEFT JOIN locations l ON l.id = coalesce(e.location_id, a.location_id)
    ORDER BY e.id;
    RETURN NULL;
END
$$;

-- An event's payload: the stored one, or a message event's built from its columns (0027);
-- NULL for no event (a delivery's event purged: a LEFT JOIN's NULL row).
-- The same jsonb the trigger built in the send's statement before 0027 (the keys, the values
-- and their JSON types; a timestamp renders in the session's TimeZone, as it did when it was
-- built at the send: reminderly sets none, so both are the server's). An inlinable SQL
-- function: readers call it on the rows they return (a page of the feed, a batch of
-- deliveries), never on the events they pass over.
CREATE OR REPLACE FUNCTION event_data(e events) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN e.data IS NOT NULL OR e.id IS NULL THEN e.data ELSE jsonb_build_object(
        'message', jsonb_build_object('id', e.message_id, 'campaign_id', e.campaign_id,
                                      'packet_id', e.packet_id, 'step', e.message_step,
                                      'channel', e.message_channel,
                                      'status', substr(e.type, 9),  -- after 'message.'
                                      'reason', nullif(e.message_reason, ''),
                                      'attempts', e.message_attempts),
        -- a customer, an appointment found at the change: their external ids are NOT NULL
        'customer', CASE WHEN e.customer_external_id IS NOT NULL THEN
                        jsonb_build_object('id', e.customer_id, 'external_id', e.customer_external_id) END,
        'appointment', CASE WHEN e.appointment_external_id IS NOT NULL THEN
                           jsonb_build_object('id', e.appointment_id,
                                              'external_id', e.appointment_external_id,
                                              'starts_at', e.appointment_starts_at) END,
        'location', CASE WHEN e.location_id IS NOT NULL THEN
                        jsonb_build_object('id', e.location_id, 'external_id', e.location_external_id) END)
    END
$$;

-- Not called for lease-only updates (claims, send markers: see messages_counts_update).
DROP TRIGGER IF EXISTS messages_events ON messages;
CREATE TRIGGER messages_events AFTER UPDATE ON messages
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT
    WHEN (current_setting('reminderly.lease_only', true) IS DISTINCT FROM 'on')
    EXECUTE FUNCTION messages_emit_events();

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
    WHERE e.type IS NOT NULL AND m.campaign_id <> 0
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

-- === webhook delivery ==========================================================================

-- Fan events out to the enabled endpoints that want them, in (txid, id) order, from where the
-- last fan-out stopped, only events of finished transactions (older than every one still
-- running): a late commit cannot be skipped. One fan-out at a time (the state row's lock; a
-- second caller returns at once). Returns the deliveries created.
--
-- A disabled endpoint gets no deliveries for the events that happen while it is disabled (as
-- Stripe and Svix do): re-enabling it does not flood the receiver with a backlog it may no
-- longer want; a replay of the time range (replay_webhook_range) sends what it missed.
--
-- Each delivery carries its event's ordering key (webhook_ordering_key) and starts no earlier
-- than the key's last pending delivery to the endpoint, so a key's deliveries are due in order.
CREATE OR REPLACE FUNCTION fan_out_events(p_limit integer DEFAULT 1000) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    st webhook_fanout_state;
    horizon xid8;
    last_txid xid8;
    last_id bigint;
    n integer;
BEGIN
    -- nothing new: return before the lock (a row lock spends a transaction id every poll)
    IF NOT EXISTS (SELECT 1 FROM webhook_fanout_state s, events e
                   WHERE (e.txid, e.id) > (s.txid, s.event_id)) THEN
        RETURN 0;
    END IF;
    SELECT * INTO st FROM webhook_fanout_state FOR UPDATE SKIP LOCKED;
    IF NOT FOUND THEN
        RETURN 0;
    END IF;
    horizon := pg_snapshot_xmin(pg_current_snapshot());
    WITH batch AS MATERIALIZED (
        SELECT e.id, e.account_id, e.type, e.txid,
               webhook_ordering_key(e.customer_id, e.packet_id) AS ordering_key
        FROM events e
        WHERE (e.txid, e.id) > (st.txid, st.event_id) AND e.txid < horizon
        ORDER BY e.txid, e.id
        LIMIT p_limit
    ), ins AS (
        INSERT INTO webhook_deliveries (account_id, endpoint_id, event_id, ordering_key, next_attempt_at)
        SELECT b.account_id, w.id, b.id, b.ordering_key,
               greatest(now(), webhook_key_due(w.id, b.ordering_key))
        FROM batch b
        JOIN webhook_endpoints w ON w.account_id = b.account_id AND w.enabled
             AND (cardinality(w.event_types) = 0 OR b.type = ANY (w.event_types))
        ORDER BY b.txid, b.id, w.id
        RETURNING 1
    ), last AS (
        SELECT txid, id FROM batch ORDER BY txid DESC, id DESC LIMIT 1
    )
    SELECT (SELECT count(*) FROM ins), (SELECT txid FROM last), (SELECT id FROM last)
    INTO n, last_txid, last_id;
    IF last_id IS NOT NULL THEN
        UPDATE webhook_fanout_state SET txid = last_txid, event_id = last_id;
    END IF;
    RETURN n;
END
$$;

-- The resource whose events must reach an endpoint in order: the customer (messages, replies,
-- appointments, consent, surveys, reviews are all about one), else the packet, else the
-- account (endpoint notices).
CREATE OR REPLACE FUNCTION webhook_ordering_key(p_customer bigint, p_packet bigint) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce('customer:' || p_customer, 'packet:' || p_packet, 'account')
$$;

-- When the key's last pending delivery to the endpoint is due (NULL: none pending). The last by
-- id is the latest due: a key's deliveries are never due before an earlier one of it. One probe
-- of webhook_deliveries_key_idx (a max() over next_attempt_at can be planned as a scan of the
-- endpoint's pending deliveries through webhook_deliveries_due_idx).
CREATE OR REPLACE FUNCTION webhook_key_due(p_endpoint bigint, p_key text) RETURNS timestamptz
LANGUAGE sql STABLE AS $$
    SELECT d.next_attempt_at FROM webhook_deliveries d
    WHERE d.endpoint_id = p_endpoint AND d.status = 'pending' AND d.ordering_key = p_key
    ORDER BY d.id DESC LIMIT 1
$$;

-- A manual replay of the endpoint's events in [p_from, p_to) (those its event types select;
-- p_only_undelivered: only those it has no succeeded delivery of), queued in event order
-- behind each key's pending deliveries, marked replay. Returns how many were queued.
CREATE OR REPLACE FUNCTION replay_webhook_range(
    p_endpoint bigint, p_from timestamptz, p_to timestamptz, p_only_undelivered boolean)
RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    n integer;
BEGIN
    WITH picked AS MATERIALIZED (
        SELECT e.id, e.account_id, webhook_ordering_key(e.customer_id, e.packet_id) AS ordering_key,
               e.txid
        FROM webhook_endpoints w
        JOIN events e ON e.account_id = w.account_id
        WHERE w.id = p_endpoint AND e.occurred_at >= p_from AND e.occurred_at < p_to
          AND (cardinality(w.event_types) = 0 OR e.type = ANY (w.event_types))
          AND e.txid < pg_snapshot_xmin(pg_current_snapshot())
          AND NOT (p_only_undelivered AND EXISTS (
                SELECT 1 FROM webhook_deliveries s
                WHERE s.endpoint_id = p_endpoint AND s.event_id = e.id AND s.status = 'succeeded'))
    ), ins AS (
        INSERT INTO webhook_deliveries (account_id, endpoint_id, event_id, ordering_key,
                                        next_attempt_at, replay)
        SELECT p.account_id, p_endpoint, p.id, p.ordering_key,
               greatest(now(), webhook_key_due(p_endpoint, p.ordering_key)),
               true
        FROM picked p
        ORDER BY p.txid, p.id
        RETURNING 1
    )
    SELECT count(*) INTO n FROM ins;
    RETURN n;
END
$$;

-- Lease up to p_limit enabled endpoints that have a due pending delivery (oldest due first),
-- so each endpoint is served by one worker at a time. A delivery held back behind its key's
-- retry is never due before it (fan_out_events, record_webhook_attempt), so an endpoint whose
-- only due-looking work is held back is not leased in vain.
CREATE OR REPLACE FUNCTION claim_webhook_endpoints(p_owner text, p_lease interval, p_limit integer)
RETURNS SETOF webhook_endpoints
LANGUAGE sql AS $$
    WITH due AS (
        SELECT e.id FROM webhook_endpoints e
        CROSS JOIN LATERAL (SELECT d.next_attempt_at FROM webhook_deliveries d
                            WHERE d.endpoint_id = e.id AND d.status = 'pending'
                            ORDER BY d.next_attempt_at LIMIT 1) AS head
        WHERE e.enabled AND (e.lease_expires_at IS NULL OR e.lease_expires_at < now())
          AND head.next_attempt_at <= now()
        ORDER BY head.next_attempt_at
        LIMIT p_limit
        FOR UPDATE OF e SKIP LOCKED
    )
    UPDATE webhook_endpoints w SET lease_owner = p_owner, lease_expires_at = now() + p_lease
    FROM due WHERE w.id = due.id
    RETURNING w.*
$$;

-- Record one attempt and its consequences: a 2xx completes the delivery and ends the
-- endpoint's failure streak; anything else schedules a retry after
-- retry_base * 2^(attempts-1) (capped at retry_max, +-20% jitter) while that stays inside
-- the delivery's retry window, else fails it. An endpoint failing continuously for longer
-- than p_disable_after is disabled, with a webhook_endpoint.disabled event.
-- Returns succeeded | pending | failed | disabled | gone (the endpoint was deleted).
CREATE OR REPLACE FUNCTION record_webhook_attempt(
    p_delivery bigint, p_status integer, p_latency_ms integer, p_excerpt text, p_error text,
    p_retry_base interval, p_retry_max interval, p_retry_window interval, p_disable_after interval)
RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    d webhook_deliveries;
    w webhook_endpoints;
    next_at timestamptz;
    outcome text;
BEGIN
    UPDATE webhook_deliveries SET attempts = attempts + 1 WHERE id = p_delivery RETURNING * INTO d;
    IF NOT FOUND THEN
        RETURN 'gone';
    END IF;
    INSERT INTO webhook_attempts (account_id, endpoint_id, delivery_id, event_id, status_code,
                                  latency_ms, response_excerpt, error)
    VALUES (d.account_id, d.endpoint_id, d.id, d.event_id, p_status, p_latency_ms,
            left(p_excerpt, 1000), left(p_error, 500));
    IF p_status BETWEEN 200 AND 299 THEN
        UPDATE webhook_deliveries SET status = 'succeeded', completed_at = now() WHERE id = d.id;
        UPDATE webhook_endpoints SET failing_since = NULL
        WHERE id = d.endpoint_id AND failing_since IS NOT NULL;
        RETURN 'succeeded';
    END IF;
    next_at := now() + least(p_retry_max, p_retry_base * power(2, least(d.attempts - 1, 30)))  -- no overflow
                       * (0.8 + 0.4 * random());
    IF next_at > d.created_at + p_retry_window THEN
        UPDATE webhook_deliveries SET status = 'failed', completed_at = now() WHERE id = d.id;
        outcome := 'failed';
    ELSE
        UPDATE webhook_deliveries SET next_attempt_at = next_at WHERE id = d.id;
        -- the same resource's later deliveries wait behind it; other resources' do not
        UPDATE webhook_deliveries SET next_attempt_at = next_at
        WHERE endpoint_id = d.endpoint_id AND status = 'pending' AND ordering_key = d.ordering_key
          AND id > d.id AND next_attempt_at < next_at;
        outcome := 'pending';
    END IF;
    UPDATE webhook_endpoints SET failing_since = coalesce(failing_since, now())
    WHERE id = d.endpoint_id RETURNING * INTO w;
    IF w.enabled AND w.failing_since < now() - p_disable_after THEN
        UPDATE webhook_endpoints SET enabled = false, updated_at = now(),
               disabled_reason = 'failing continuously since ' || to_char(w.failing_since AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
        WHERE id = w.id;
        INSERT INTO events (account_id, type, data)
        VALUES (w.account_id, 'webhook_endpoint.disabled',
                jsonb_build_object('endpoint', jsonb_build_object('id', w.id, 'url', w.url,
                                                                  'failing_since', w.failing_since)));
        -- and the account's owners and admins are told by email (staff mail: the worker hands
        -- it to SES in AWS; the local mailbox in development)
        INSERT INTO staff_mail (account_id, recipient, subject, body)
        SELECT w.account_id, u.email, 'A reminderly webhook endpoint was disabled',
               'The webhook endpoint ' || w.url || ' failed every delivery since '
               || to_char(w.failing_since AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI "UTC"')
               || ' and has been disabled. Events that happen while it is disabled are not queued.'
               || E'\n\nWhen it answers again, enable it and replay the time range it missed '
               || '(the Webhooks page, POST /v1/webhook-endpoints/{id}/replay-range, or '
               || '`reminderly webhook replay`).'
        FROM memberships m JOIN users u ON u.id = m.user_id
        WHERE m.account_id = w.account_id AND m.role IN ('owner', 'admin') AND u.disabled_at IS NULL;
        outcome := 'disabled';
    END IF;
    RETURN outcome;
END
$$;
