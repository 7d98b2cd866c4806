-- Every statement the Python library runs, named (the listmonk layout).
-- Parameters are psycopg named placeholders: %(name)s.

-- name: create_account
INSERT INTO accounts (name, default_country, timezone)
VALUES (%(name)s, %(default_country)s, %(timezone)s)
RETURNING id, name, default_country, timezone, created_at;

-- name: get_account
SELECT id, name, default_country, timezone, created_at FROM accounts WHERE id = %(id)s;

-- name: timezone_exists
SELECT EXISTS (SELECT 1 FROM timezones WHERE name = %(name)s);

-- name: create_campaign
INSERT INTO campaigns (account_id, name, kind, channel, send_window_start, send_window_end,
                       window_policy, max_attempts, retry_base, retry_max, frequency_cap, audience_top_n,
                       audience_by)
VALUES (%(account_id)s, %(name)s, %(kind)s, %(channel)s, %(send_window_start)s, %(send_window_end)s,
        %(window_policy)s, %(max_attempts)s, %(retry_base)s, %(retry_max)s, %(frequency_cap)s,
        %(audience_top_n)s, %(audience_by)s)
RETURNING id;

-- name: create_campaign_step
INSERT INTO campaign_steps (campaign_id, step, name, send_offset, local_time, channel, template, subject)
VALUES (%(campaign_id)s, %(step)s, %(name)s, %(send_offset)s, %(local_time)s, %(channel)s,
        %(template)s, %(subject)s);

-- name: get_campaign
SELECT id, account_id, name, kind, channel, status, send_window_start, send_window_end,
       window_policy, max_attempts, retry_base, retry_max, frequency_cap, audience_top_n, audience_by,
       created_at, updated_at, archived_at
FROM campaigns WHERE id = %(id)s;

-- name: campaign_steps
SELECT step, name, send_offset, local_time, channel, template, subject
FROM campaign_steps WHERE campaign_id = %(campaign_id)s ORDER BY step;

-- name: set_campaign_status
SELECT status FROM set_campaign_status(%(campaign_id)s, %(status)s);

-- name: change_campaign
SELECT status, moved FROM change_campaign(%(campaign_id)s, %(verb)s);

-- name: create_packet
SELECT packet_id, created FROM create_packet(%(campaign_id)s, %(source)s, %(filename)s, %(key)s);

-- name: create_packet_inbox
SELECT create_packet_inbox();

-- name: copy_packet_inbox
COPY pg_temp.packet_inbox (row_no, customer_id, first_name, last_name, phone, email, timezone,
                           appointment_id, appointment_at, status, location_id, extra,
                           error_column, error_reason) FROM STDIN;

-- name: mark_packet_loaded
SELECT mark_packet_loaded(%(packet_id)s, %(checksum)s);

-- name: validate_packet
SELECT accepted, rejected FROM validate_packet(%(packet_id)s);

-- name: plan_packet
SELECT plan_packet(%(packet_id)s);

-- name: fail_packet
SELECT fail_packet(%(packet_id)s, %(reason)s);

-- name: delete_packet
DELETE FROM packets WHERE id = %(packet_id)s AND status = 'received';

-- name: dry_run_row_plans
-- A dry run's first rows and what each would do, read inside the transaction about to be
-- rolled back: the messages its appointment gained or changed in it (now() is the
-- transaction's time), each to be sent at a time or skipped with a reason.
SELECT r.row_no, r.first_name, r.last_name, r.customer_id AS customer_ref,
       r.appointment_id AS appointment_ref, a.timezone, r.error_column, r.error_reason,
       to_char(a.starts_at AT TIME ZONE a.timezone, 'YYYY-MM-DD HH24:MI') AS starts_local,
       coalesce(jsonb_agg(jsonb_build_object(
                    'campaign', c.name, 'step', m.step, 'channel', m.channel,
                    'status', m.status, 'reason', m.reason,
                    'send_at', to_char(m.send_at AT TIME ZONE a.timezone, 'YYYY-MM-DD HH24:MI'))
                ORDER BY c.name, m.step, m.channel) FILTER (WHERE m.id IS NOT NULL),
                '[]') AS messages
FROM packet_rows r
JOIN packets p ON p.id = r.packet_id
LEFT JOIN appointments a ON a.account_id = p.account_id
      AND a.external_id = coalesce(r.appointment_key, r.appointment_id)
      AND r.error_column IS NULL
LEFT JOIN messages m ON m.account_id = p.account_id AND m.appointment_id = a.id
      AND (m.created_at = now() OR m.updated_at = now())
LEFT JOIN campaigns c ON c.id = m.campaign_id
WHERE r.packet_id = %(packet_id)s AND r.row_no <= %(rows)s
GROUP BY r.packet_id, r.row_no, a.id
ORDER BY r.row_no;

-- name: dry_run_sample
-- The first message the dry run would send, with what rendering it needs.
SELECT m.channel, s.template, s.subject, cu.first_name, cu.last_name, a.starts_at,
       a.timezone, a.merge_fields, lo.name AS location
FROM messages m
JOIN campaign_steps s ON s.campaign_id = m.campaign_id AND s.step = m.step
JOIN appointments a ON a.id = m.appointment_id
JOIN customers cu ON cu.id = m.customer_id
LEFT JOIN locations lo ON lo.id = a.location_id
WHERE m.packet_id = %(packet_id)s AND m.status IN ('scheduled', 'ready')
ORDER BY m.send_at, m.id
LIMIT 1;

-- name: packet_by_checksum
SELECT id FROM packets
WHERE campaign_id = %(campaign_id)s AND checksum = %(checksum)s AND status NOT IN ('failed', 'cancelled');

-- name: get_packet
SELECT id, account_id, campaign_id, status, source, filename, idempotency_key, rows_submitted,
       rows_accepted, rows_rejected, rows_warned, appointments_new, appointments_moved,
       appointments_cancelled, appointments_absent, appointments_unchanged, messages_planned,
       effects, first_send_at, snapshot_from, snapshot_to, snapshot_locations, snapshot_force,
       failure_reason, received_at, loaded_at, validated_at, ready_at, dispatching_at,
       completed_at, failed_at, rows_read, body_bytes, upload_checksum
FROM packets WHERE id = %(packet_id)s;

-- name: set_packet_snapshot
UPDATE packets SET snapshot_from = %(starts_from)s, snapshot_to = %(starts_to)s,
       snapshot_locations = %(locations)s, snapshot_force = %(force)s
WHERE id = %(packet_id)s;

-- name: packet_warnings_by_reason
SELECT split_part(w, ': ', 1) AS column, substr(w, length(split_part(w, ': ', 1)) + 3) AS reason,
       count(*) AS n
FROM packet_rows, unnest(warnings) AS w
WHERE packet_id = %(packet_id)s AND warnings IS NOT NULL
GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2;

-- name: packet_counts
SELECT status, reason, n FROM packet_counts(%(packet_id)s);

-- name: packet_rejections_by_reason
SELECT error_column, regexp_replace(error_reason, 'row \d+', 'row N') AS reason, count(*) AS n
FROM packet_rows WHERE packet_id = %(packet_id)s AND error_reason IS NOT NULL
GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2;

-- name: row_errors
SELECT row_no, error_column, error_reason, errors,
       left(CASE error_column
                WHEN 'customer_id' THEN customer_id WHEN 'phone' THEN phone WHEN 'email' THEN email
                WHEN 'timezone' THEN timezone WHEN 'appointment_id' THEN appointment_id
                WHEN 'appointment_at' THEN appointment_at WHEN 'status' THEN status
                WHEN 'location_id' THEN location_id END, 200) AS value
FROM packet_rows
WHERE packet_id = %(packet_id)s AND error_reason IS NOT NULL AND row_no > %(after)s
ORDER BY row_no LIMIT %(limit)s;

-- name: cancel_packet
SELECT cancel_packet(%(packet_id)s);

-- name: refresh_packet_states
SELECT refresh_packet_states();

-- name: fail_stale_packets
SELECT fail_stale_packets(%(age)s);

-- name: mark_ready
SELECT mark_ready(%(limit)s);

-- name: claim_batch
SELECT id, account_id, campaign_id, packet_id, customer_id, appointment_id, step, channel, attempts
FROM claim_batch(%(worker)s, %(limit)s, %(lease)s);

-- name: complete_messages
SELECT complete_messages FROM complete_messages(%(worker)s, %(ids)s, %(provider_ids)s, %(segments)s::smallint[]);

-- name: fail_messages
SELECT id, status, send_at FROM fail_messages(%(worker)s, %(ids)s, %(errors)s, %(permanent)s);

-- name: reclaim_expired_leases
SELECT reclaim_expired_leases();

-- name: campaign_counts
SELECT status, reason, n FROM campaign_counts(%(campaign_id)s);

-- name: record_consent
SELECT record_consent(%(customer_id)s, %(channel)s, %(action)s, %(source)s, %(note)s);

-- name: archive_campaign
SELECT archive_campaign(%(campaign_id)s);

-- name: purge_pii
SELECT customers_purged, packet_rows_deleted FROM purge_pii(%(retention)s);

-- name: analyze_hot_tables
CALL analyze_hot_tables();

-- name: campaign_relations
SELECT role, relation::text, predicate, index::text, estimated_rows FROM campaign_relations(%(campaign_id)s);

-- name: message_for_send
SELECT m.id, m.account_id, m.customer_id, m.channel, m.step, cu.phone, cu.email, cu.first_name, cu.last_name,
       st.template, st.subject, a.merge_fields, a.starts_at, a.timezone, l.name AS location_name,
       l.review_url, ca.name AS campaign_name, ca.kind,
       coalesce(an.origination, ac.sms_origination) AS sms_origination,
       an.body AS answer_body, an.subject AS answer_subject
-- an inbox answer (campaign 0) has its text and sender in answers, and no appointment or step
FROM messages m
JOIN accounts ac ON ac.id = m.account_id
JOIN customers cu ON cu.id = m.customer_id
LEFT JOIN appointments a ON a.id = m.appointment_id
LEFT JOIN campaign_steps st ON st.campaign_id = m.campaign_id AND st.step = m.step
LEFT JOIN campaigns ca ON ca.id = m.campaign_id
LEFT JOIN answers an ON m.campaign_id = 0 AND an.id = -m.appointment_id
LEFT JOIN locations l ON l.id = a.location_id
WHERE m.id = ANY(%(ids)s);

-- name: customer_send_locks
-- in key order, so two workers locking overlapping customers cannot deadlock
SELECT count(pg_advisory_lock(72410, k))
FROM (SELECT DISTINCT customer_lock_key(c) AS k FROM unnest(%(customer_ids)s::bigint[]) AS c ORDER BY 1) AS s;

-- name: customer_send_unlock_all
SELECT pg_advisory_unlock_all();

-- name: begin_send_many
SELECT id, verdict FROM begin_send_many(%(worker)s, %(ids)s);

-- name: abandon_sends
SELECT abandon_sends(%(worker)s, %(ids)s);

-- name: release_leases
SELECT release_leases(%(worker)s, %(ids)s);

-- name: outbox_list
SELECT message_id, channel, recipient, subject, body, sent_at FROM outbox ORDER BY sent_at DESC LIMIT %(limit)s;

-- name: heartbeat
-- returns when an operator asked this worker to drain (NULL: keep going), and the beat's time
-- (the primary's newest write, published for the DR drill: app_service/ops/write_marker.py)
INSERT INTO worker_heartbeats AS h (worker, host, pid, sent, failed, state)
VALUES (%(worker)s, %(host)s, %(pid)s, %(sent)s, %(failed)s, %(state)s)
ON CONFLICT (worker) DO UPDATE SET beat_at = now(), sent = excluded.sent, failed = excluded.failed,
                                   state = excluded.state
RETURNING drain_requested_at, beat_at;

-- name: dispatch_backlog
-- the ready backlog (its size and age) and how many workers are sending it, for the expected
-- drain time the worker service scales on
SELECT count(*)::bigint AS ready, coalesce(extract(epoch FROM now() - min(send_at)), 0)::float8 AS oldest,
       (SELECT count(*) FROM worker_heartbeats
        WHERE state = 'running' AND beat_at > now() - interval '30 seconds')::integer AS workers
FROM messages WHERE status = 'ready';

-- name: pending_soon
SELECT count(*) FROM messages
WHERE status = 'ready' OR (status IN ('scheduled', 'retry') AND send_at <= now() + interval '2 seconds');

-- name: record_reply
SELECT record_reply(%(message_id)s, %(kind)s, %(text)s);

-- name: outbox_put_many
-- the local outbox's group commit: every send that arrived while the last write ran
INSERT INTO outbox (message_id, account_id, channel, recipient, subject, body, headers, sent_at)
SELECT * FROM unnest(%(message_ids)s::bigint[], %(account_ids)s::bigint[], %(channels)s::text[],
                     %(recipients)s::text[], %(subjects)s::text[], %(bodies)s::text[], %(headers)s::jsonb[],
                     %(sent_ats)s::timestamptz[])
ON CONFLICT (message_id) DO NOTHING;

-- name: outbox_async_commit
SET synchronous_commit TO off;

-- ---------------------------------------------------------------------------------------------
-- The HTTP API. These run under the request's role and account (row-level security), so
-- their account filters are a second line, not the only one. Lists page by id (keyset).

-- name: api_authenticate
SELECT key_id, account_id, scopes, rate_limit, window_count, retry_after
FROM api_authenticate(%(prefix)s, %(hash)s);

-- name: api_address_hit
SELECT window_count, retry_after FROM api_address_hit(%(bucket)s, %(address)s);

-- name: api_address_count
SELECT window_count, retry_after FROM api_address_count(%(bucket)s, %(address)s);

-- name: api_enter_tenant
SELECT set_config('role', 'reminderly_api', false), set_config('reminderly.account_id', %(account_id)s, false);

-- name: api_leave_tenant
RESET ROLE; RESET reminderly.account_id; RESET reminderly.role; RESET reminderly.location_id;

-- name: create_api_key
INSERT INTO api_keys (account_id, name, prefix, secret_hash, scopes, rate_limit_per_minute)
VALUES (%(account_id)s, %(name)s, %(prefix)s, %(hash)s, %(scopes)s, %(rate_limit)s)
RETURNING id, name, prefix, scopes, rate_limit_per_minute, created_at, last_used_at, revoked_at;

-- name: list_api_keys
SELECT id, name, prefix, scopes, rate_limit_per_minute, created_at, last_used_at, revoked_at
FROM api_keys WHERE account_id = %(account_id)s AND id > %(after)s ORDER BY id LIMIT %(limit)s;

-- name: revoke_api_key
UPDATE api_keys SET revoked_at = coalesce(revoked_at, now())
WHERE id = %(id)s AND account_id = %(account_id)s
RETURNING id, name, prefix, scopes, rate_limit_per_minute, created_at, last_used_at, revoked_at;

-- name: idempotency_claim
INSERT INTO idempotency_keys (account_id, operation, key, request_hash, status_code, response)
VALUES (%(account_id)s, %(operation)s, %(key)s, %(hash)s, 0, 'null')
ON CONFLICT DO NOTHING RETURNING 1;

-- name: idempotency_get
SELECT request_hash, status_code, response, location FROM idempotency_keys
WHERE account_id = %(account_id)s AND operation = %(operation)s AND key = %(key)s;

-- name: idempotency_store
UPDATE idempotency_keys SET status_code = %(status)s, response = %(response)s, location = %(location)s
WHERE account_id = %(account_id)s AND operation = %(operation)s AND key = %(key)s;

-- name: purge_api_bookkeeping
SELECT purge_api_bookkeeping();

-- name: list_campaigns
SELECT id, account_id, name, kind, channel, status, send_window_start, send_window_end,
       window_policy, max_attempts, retry_base, retry_max, frequency_cap, audience_top_n, audience_by,
       created_at, updated_at, archived_at
FROM campaigns
WHERE account_id = %(account_id)s AND id > %(after)s
  AND (%(status)s::text IS NULL OR status = %(status)s)
ORDER BY id LIMIT %(limit)s;

-- name: update_campaign
-- only while draft; the caller passes every setting (the current ones merged with the changes)
UPDATE campaigns SET
    name = %(name)s,
    send_window_start = %(send_window_start)s,
    send_window_end = %(send_window_end)s,
    window_policy = %(window_policy)s,
    max_attempts = %(max_attempts)s,
    retry_base = %(retry_base)s,
    retry_max = %(retry_max)s,
    frequency_cap = %(frequency_cap)s,
    audience_top_n = %(audience_top_n)s,
    audience_by = %(audience_by)s,
    updated_at = now()
WHERE id = %(id)s AND status = 'draft'
RETURNING id;

-- name: lock_campaign
SELECT status FROM campaigns WHERE id = %(id)s FOR UPDATE;

-- name: delete_campaign_steps
DELETE FROM campaign_steps WHERE campaign_id = %(campaign_id)s;

-- name: upsert_customer
-- by the business's own id; a field left out (NULL) keeps its value
INSERT INTO customers AS c (account_id, external_id, first_name, last_name, phone, email, timezone, locale)
VALUES (%(account_id)s, %(external_id)s, %(first_name)s, %(last_name)s, %(phone)s, %(email)s,
        %(timezone)s, %(locale)s)
ON CONFLICT (account_id, external_id) DO UPDATE SET
    first_name = coalesce(excluded.first_name, c.first_name),
    last_name = coalesce(excluded.last_name, c.last_name),
    phone = coalesce(excluded.phone, c.phone),
    email = coalesce(excluded.email, c.email),
    timezone = coalesce(excluded.timezone, c.timezone),
    locale = coalesce(excluded.locale, c.locale),
    last_seen_at = now(), updated_at = now()
RETURNING id, (xmax = 0) AS created;

-- name: normalize_contact
SELECT normalize_phone(%(phone)s, %(country)s) AS phone, normalize_email(%(email)s) AS email,
       (%(timezone)s::text IS NULL OR EXISTS (SELECT 1 FROM timezones WHERE name = %(timezone)s)) AS timezone_ok;

-- name: get_customer
SELECT id, external_id, first_name, last_name, phone, email, timezone, locale,
       sms_opted_out_at, email_opted_out_at, last_seen_at, pii_purged_at, created_at, updated_at
FROM customers WHERE id = %(id)s;

-- name: list_customers
SELECT id, external_id, first_name, last_name, phone, email, timezone, locale,
       sms_opted_out_at, email_opted_out_at, last_seen_at, pii_purged_at, created_at, updated_at
FROM customers
WHERE account_id = %(account_id)s AND id > %(after)s
  AND (%(external_id)s::text IS NULL OR external_id = %(external_id)s)
  -- the consent filter: true (opted out of any channel), false (of none), sms, email
  AND CASE %(opted_out)s::text
          WHEN 'true' THEN sms_opted_out_at IS NOT NULL OR email_opted_out_at IS NOT NULL
          WHEN 'false' THEN sms_opted_out_at IS NULL AND email_opted_out_at IS NULL
          WHEN 'sms' THEN sms_opted_out_at IS NOT NULL
          WHEN 'email' THEN email_opted_out_at IS NOT NULL
          ELSE true END
ORDER BY id LIMIT %(limit)s;

-- name: create_template
-- the template and its version 1, in one statement
WITH made AS (
    INSERT INTO templates (account_id, name, channel, subject, body)
    VALUES (%(account_id)s, %(name)s, %(channel)s, %(subject)s, %(body)s)
    RETURNING id, account_id, name, channel, subject, body, version, created_at, updated_at
), kept AS (
    INSERT INTO template_versions (account_id, template_id, version, subject, body, author_user,
                                   author_key)
    SELECT account_id, id, version, subject, body, %(author_user)s, %(author_key)s FROM made
)
SELECT id, name, channel, subject, body, version, created_at, updated_at FROM made;

-- name: get_template
SELECT id, name, channel, subject, body, version, created_at, updated_at FROM templates
WHERE id = %(id)s;

-- name: list_templates
SELECT id, name, channel, subject, body, version, created_at, updated_at FROM templates
WHERE account_id = %(account_id)s AND id > %(after)s ORDER BY id LIMIT %(limit)s;

-- name: template_update
-- A new version of the text, only over the version the editor started from (none when someone
-- saved in between: the row lock makes the second writer see the first one's version).
WITH changed AS (
    UPDATE templates SET subject = %(subject)s, body = %(body)s, version = version + 1,
                         updated_at = now()
    WHERE id = %(id)s AND version = %(base_version)s
    RETURNING id, account_id, name, channel, subject, body, version, created_at, updated_at
), kept AS (
    INSERT INTO template_versions (account_id, template_id, version, subject, body, author_user,
                                   author_key, restored_from)
    SELECT account_id, id, version, subject, body, %(author_user)s, %(author_key)s,
           %(restored_from)s FROM changed
)
SELECT id, name, channel, subject, body, version, created_at, updated_at FROM changed;

-- name: template_versions
-- A template's history, newest first, with who made each version (a member's email, a key's name).
SELECT v.version, v.subject, v.body, v.author_user, v.author_key, v.restored_from, v.created_at,
       m.email AS author_email, k.name AS author_key_name
FROM template_versions v
LEFT JOIN people_members() m ON m.user_id = v.author_user
LEFT JOIN api_keys k ON k.id = v.author_key
WHERE v.template_id = %(template_id)s ORDER BY v.version DESC LIMIT %(limit)s;

-- name: template_version
SELECT version, subject, body, restored_from, created_at FROM template_versions
WHERE template_id = %(template_id)s AND version = %(version)s;

-- name: template_preview_customer
-- A customer's merge fields as the worker would fill them, from their latest appointment
-- (row-level security: none for another account's customer or outside the member's location).
SELECT cu.id, cu.first_name, cu.last_name, a.merge_fields, a.starts_at, a.timezone,
       l.name AS location_name, l.review_url
FROM customers cu
LEFT JOIN LATERAL (
    SELECT ap.merge_fields, ap.starts_at, ap.timezone, ap.location_id FROM appointments ap
    WHERE ap.customer_id = cu.id ORDER BY ap.starts_at DESC LIMIT 1
) a ON true
LEFT JOIN locations l ON l.id = a.location_id
WHERE cu.id = %(customer_id)s;

-- name: list_packets
SELECT id FROM packets WHERE campaign_id = %(campaign_id)s AND id > %(after)s ORDER BY id LIMIT %(limit)s;

-- name: recent_packets
-- the dashboard's list: a campaign's newest packets with their row counts, one read
SELECT id, status, rows_submitted, rows_accepted, rows_rejected, received_at FROM packets
WHERE campaign_id = %(campaign_id)s ORDER BY id DESC LIMIT %(limit)s;

-- name: packet_checksum
SELECT checksum FROM packets WHERE id = %(packet_id)s;

-- name: messages_by_customer
-- Every message query carries the business's external ids of the customer, appointment and
-- location beside reminderly's ids (three key lookups per row of a page).
SELECT m.id, m.campaign_id, m.packet_id, m.customer_id, m.appointment_id, m.step, m.channel,
       m.status, m.reason, m.send_at, m.attempts, m.sent_at, m.segments, m.updated_at,
       cu.external_id AS customer_external_id, a.external_id AS appointment_external_id,
       l.id AS location_id, l.external_id AS location_external_id
FROM messages m
LEFT JOIN customers cu ON cu.id = m.customer_id
LEFT JOIN appointments a ON a.id = m.appointment_id
LEFT JOIN locations l ON l.id = coalesce(m.location_id, a.location_id)
WHERE m.customer_id = %(customer_id)s AND m.id > %(after)s ORDER BY m.id LIMIT %(limit)s;

-- name: messages_of_packet
SELECT m.id, m.campaign_id, m.packet_id, m.customer_id, m.appointment_id, m.step, m.channel,
       m.status, m.reason, m.send_at, m.attempts, m.sent_at, m.segments, m.updated_at,
       cu.external_id AS customer_external_id, a.external_id AS appointment_external_id,
       l.id AS location_id, l.external_id AS location_external_id
FROM messages m
LEFT JOIN customers cu ON cu.id = m.customer_id
LEFT JOIN appointments a ON a.id = m.appointment_id
LEFT JOIN locations l ON l.id = coalesce(m.location_id, a.location_id)
WHERE m.packet_id = %(packet_id)s AND m.id > %(after)s ORDER BY m.id LIMIT %(limit)s;

-- name: get_message
SELECT m.id, m.campaign_id, m.packet_id, m.customer_id, m.appointment_id, m.step, m.channel,
       m.status, m.reason, m.send_at, m.attempts, m.sent_at, m.segments, m.updated_at,
       cu.external_id AS customer_external_id, a.external_id AS appointment_external_id,
       l.id AS location_id, l.external_id AS location_external_id, m.last_error, m.provider_message_id
FROM messages m
LEFT JOIN customers cu ON cu.id = m.customer_id
LEFT JOIN appointments a ON a.id = m.appointment_id
LEFT JOIN locations l ON l.id = coalesce(m.location_id, a.location_id)
WHERE m.id = %(id)s;

-- name: list_messages
-- GET /v1/messages: the account's messages in (packet, id) order, which is the order they
-- were planned in, with optional filters. No index of its own (messages carry only the indexes
-- their hot path needs, 0002_indexes.sql): the account's packets in order, and each packet's
-- messages by messages_packet_idx, until the page is full (LIMIT stops the nested loop).
SELECT m.id, m.campaign_id, m.packet_id, m.customer_id, m.appointment_id, m.step, m.channel,
       m.status, m.reason, m.send_at, m.attempts, m.sent_at, m.segments, m.updated_at,
       cu.external_id AS customer_external_id, a.external_id AS appointment_external_id,
       l.id AS location_id, l.external_id AS location_external_id
FROM packets p
CROSS JOIN LATERAL (
    SELECT q.* FROM messages q
    WHERE q.packet_id = p.id
      AND (p.id > %(after_packet)s OR q.id > %(after_id)s)
      AND (%(statuses)s::text[] IS NULL OR q.status = ANY(%(statuses)s::text[]))
      AND (%(send_from)s::timestamptz IS NULL OR q.send_at >= %(send_from)s::timestamptz)
      AND (%(send_to)s::timestamptz IS NULL OR q.send_at < %(send_to)s::timestamptz)
    ORDER BY q.id LIMIT %(limit)s
) m
LEFT JOIN customers cu ON cu.id = m.customer_id
LEFT JOIN appointments a ON a.id = m.appointment_id
LEFT JOIN locations l ON l.id = coalesce(m.location_id, a.location_id)
WHERE p.account_id = %(account_id)s AND p.id >= %(after_packet)s
  AND (%(campaign_id)s::bigint IS NULL OR p.campaign_id = %(campaign_id)s::bigint)
ORDER BY p.id, m.id
LIMIT %(limit)s;

-- name: message_events
SELECT kind, data, occurred_at FROM message_events WHERE message_id = %(message_id)s ORDER BY occurred_at, id;

-- ---------------------------------------------------------------------------------------------
-- Inbound: receipts, replies, links (the webhook and link endpoints; they run as the service's
-- own login: the message or the signature names the tenant, not an API key).

-- name: record_delivery
SELECT record_delivery(%(source)s, %(event_id)s, %(provider_id)s, %(outcome)s, %(detail)s);

-- name: record_inbound_sms
SELECT record_inbound_sms(%(event_id)s, %(from)s, %(kind)s, %(text)s, %(to)s);

-- name: set_sms_sender
UPDATE accounts SET sms_origination = %(origination)s WHERE id = %(account_id)s RETURNING id;

-- name: add_sms_sender_number
INSERT INTO sms_sender_numbers (number, account_id) VALUES (%(number)s, %(account_id)s)
ON CONFLICT (number) DO UPDATE SET account_id = excluded.account_id
RETURNING number;

-- name: record_survey_response
SELECT record_survey_response(%(message_id)s, %(score)s, %(comment)s, %(channel)s);

-- name: record_click
SELECT record_click(%(message_id)s, %(target)s);

-- name: link_target
SELECT m.id, m.channel, m.status, ca.kind, ca.name AS campaign_name, l.review_url, l.name AS location_name,
       acc.name AS account_name,
       EXISTS (SELECT 1 FROM survey_responses s WHERE s.message_id = m.id) AS answered
FROM messages m
JOIN campaigns ca ON ca.id = m.campaign_id
JOIN accounts acc ON acc.id = m.account_id
JOIN appointments a ON a.id = m.appointment_id
LEFT JOIN locations l ON l.id = a.location_id
WHERE m.id = %(message_id)s;

-- name: unsubscribe_email
SELECT record_consent(customer_id, 'email', 'opt_out', 'list-unsubscribe', NULL)
FROM messages WHERE id = %(message_id)s;

-- name: configure_send_rate
SELECT configure_send_rate(%(key)s, %(rate)s, %(burst)s);

-- name: take_send_tokens
SELECT granted, wait_seconds FROM take_send_tokens(%(key)s, %(wanted)s);

-- ---------------------------------------------------------------------------------------------
-- Operations (reminderly ops ...).

-- name: pause_sending
INSERT INTO sending_pauses (scope, reason, paused_by) VALUES (%(scope)s, %(reason)s, %(by)s)
ON CONFLICT (scope) DO UPDATE SET reason = excluded.reason, paused_by = excluded.paused_by, paused_at = now();

-- name: resume_sending
DELETE FROM sending_pauses WHERE scope = %(scope)s RETURNING scope;

-- name: sending_pauses
SELECT scope, reason, paused_by, paused_at FROM sending_pauses ORDER BY scope;

-- name: replay_dead
SELECT replay_dead(%(campaign_id)s, %(since)s, %(error)s, %(dry_run)s);

-- name: queue_health
SELECT oldest_ready_seconds, ready, leased, expired_leases, dead, retrying, workers_alive FROM queue_health();

-- name: list_workers
SELECT worker, host, pid, state, started_at, beat_at, sent, failed, drain_requested_at
FROM worker_heartbeats WHERE beat_at > now() - interval '1 day' ORDER BY beat_at DESC;

-- name: request_drain
UPDATE worker_heartbeats SET drain_requested_at = now() WHERE worker = %(worker)s AND state <> 'stopped'
RETURNING worker;

-- ---------------------------------------------------------------------------------------------
-- Reports: every read is of rollups, by the campaign's key.

-- name: campaign_event_counts
SELECT kind, sum(n)::bigint AS n FROM campaign_event_counts WHERE campaign_id = %(campaign_id)s GROUP BY 1;

-- name: survey_score_counts
SELECT score, sum(n)::bigint AS n, sum(comments)::bigint AS comments FROM survey_score_counts
WHERE campaign_id = %(campaign_id)s GROUP BY 1 ORDER BY 1;

-- name: campaign_timeseries
-- bucket: 'hour' or 'day', in the account's timezone (a bucket is the instant it starts); the
-- per-location hourly rollup summed over the campaign's locations (sends are kept per
-- location only: messages_sent_counted in db/procedures/130_report_rollups.sql)
SELECT date_trunc(%(bucket)s, h.hour AT TIME ZONE a.timezone) AT TIME ZONE a.timezone AS bucket,
       h.metric, sum(h.n)::bigint AS n
FROM campaign_location_hourly_counts h
JOIN campaigns c ON c.id = h.campaign_id
JOIN accounts a ON a.id = c.account_id
WHERE h.campaign_id = %(campaign_id)s AND h.hour >= %(since)s AND h.hour < %(until)s
GROUP BY 1, 2 ORDER BY 1, 2;

-- ---------------------------------------------------------------------------------------------
-- Analytics.

-- name: refresh_customer_scores
SELECT refresh_customer_scores(%(account_id)s, %(half_life_days)s);

-- name: ranked_customers
-- by p_respond or p_positive (the caller picks the column from a fixed list)
SELECT s.customer_id, c.external_id, c.first_name, s.kind, s.messages, s.responses, s.positives,
       s.weight, s.p_respond, s.p_positive, s.best_hour, s.best_weekday, s.last_sent_at,
       s.last_response_at, s.scored_at
FROM customer_scores s JOIN customers c ON c.id = s.customer_id
WHERE s.account_id = %(account_id)s AND s.kind = %(kind)s
ORDER BY s.p_respond DESC, s.customer_id LIMIT %(limit)s;

-- name: account_ids
SELECT id FROM accounts ORDER BY id;

-- name: try_analytics_lock
-- one worker at a time refreshes scores (held to the end of its transaction)
SELECT pg_try_advisory_xact_lock(72411, 1);

-- name: scores_fresh
SELECT coalesce(max(scored_at) > now() - make_interval(secs => %(seconds)s), false) FROM customer_scores;

-- ---------------------------------------------------------------------------------------------
-- Dashboard (under the signed-in key's tenant, like the API).

-- name: dashboard_key
-- The signed-in session's key (db/procedures/150_dashboard.sql), unless it was revoked.
SELECT k.id, k.account_id, k.scopes, k.prefix, a.name AS account_name, s.window_count,
       s.rate_limit, s.retry_after
FROM dashboard_session_key(%(session_id)s) AS s
JOIN api_keys k ON k.id = s.key_id JOIN accounts a ON a.id = k.account_id
WHERE k.revoked_at IS NULL;

-- name: start_dashboard_session
SELECT dashboard_session_start(%(session_id)s, %(key_id)s);

-- name: end_dashboard_session
SELECT dashboard_session_end(%(session_id)s);

-- name: sending_pause_list
SELECT scope, paused_at FROM sending_pause_list();

-- name: customer_timeline
SELECT * FROM (
    SELECT m.sent_at AS at, 'message ' || m.id || ' (' || ca.name || ', step ' || m.step || '): ' || m.status
           || CASE WHEN m.reason <> '' THEN ' (' || m.reason || ')' ELSE '' END AS text
    FROM messages m JOIN campaigns ca ON ca.id = m.campaign_id
    WHERE m.customer_id = %(customer_id)s AND m.sent_at IS NOT NULL
    UNION ALL
    SELECT e.occurred_at, e.kind || coalesce(': ' || (e.data ->> 'classified'), '') || coalesce(' score ' || (e.data ->> 'score'), '')
    FROM message_events e WHERE e.customer_id = %(customer_id)s
) t ORDER BY at DESC LIMIT 100;

-- name: customer_scores_of
SELECT kind, messages, responses, positives, p_respond, p_positive, best_hour, best_weekday
FROM customer_scores WHERE customer_id = %(customer_id)s ORDER BY kind;

-- name: campaign_location_counts
SELECT c.location_id, l.external_id, l.name, c.status, sum(c.n)::bigint AS n
FROM campaign_location_counts c LEFT JOIN locations l ON l.id = c.location_id
WHERE c.campaign_id = %(campaign_id)s GROUP BY 1, 2, 3, 4 HAVING sum(c.n) <> 0 ORDER BY 2 NULLS LAST, 4;

-- name: upsert_location
INSERT INTO locations AS l (account_id, external_id, name, timezone, address, review_url,
                            send_window_start, send_window_end)
VALUES (%(account_id)s, %(external_id)s, %(name)s, %(timezone)s, %(address)s, %(review_url)s,
        %(send_window_start)s, %(send_window_end)s)
ON CONFLICT (account_id, external_id) DO UPDATE SET
    name = CASE WHEN %(set_name)s THEN excluded.name ELSE l.name END,
    timezone = CASE WHEN %(set_timezone)s THEN excluded.timezone ELSE l.timezone END,
    address = CASE WHEN %(set_address)s THEN excluded.address ELSE l.address END,
    review_url = CASE WHEN %(set_review_url)s THEN excluded.review_url ELSE l.review_url END,
    send_window_start = CASE WHEN %(set_window)s THEN excluded.send_window_start ELSE l.send_window_start END,
    send_window_end = CASE WHEN %(set_window)s THEN excluded.send_window_end ELSE l.send_window_end END,
    updated_at = now()
RETURNING id, (xmax = 0) AS created;

-- name: get_location
SELECT id, external_id, name, timezone, address, review_url, send_window_start, send_window_end,
       created_at, updated_at
FROM locations WHERE id = %(id)s;

-- name: list_locations
SELECT id, external_id, name, timezone, address, review_url, send_window_start, send_window_end,
       created_at, updated_at
FROM locations
WHERE account_id = %(account_id)s AND id > %(after)s
  AND (%(external_id)s::text IS NULL OR external_id = %(external_id)s)
ORDER BY id LIMIT %(limit)s;

-- name: get_appointment
SELECT a.id, a.external_id, a.status, a.starts_at, a.timezone, a.last_change, a.last_packet_id,
       a.merge_fields, a.created_at, a.updated_at,
       c.id AS customer_id, c.external_id AS customer_external_id,
       l.id AS location_id, l.external_id AS location_external_id
FROM appointments a
JOIN customers c ON c.id = a.customer_id
LEFT JOIN locations l ON l.id = a.location_id
WHERE a.id = %(id)s;

-- name: list_appointments
SELECT a.id, a.external_id, a.status, a.starts_at, a.timezone, a.last_change, a.last_packet_id,
       a.merge_fields, a.created_at, a.updated_at,
       c.id AS customer_id, c.external_id AS customer_external_id,
       l.id AS location_id, l.external_id AS location_external_id
FROM appointments a
JOIN customers c ON c.id = a.customer_id
LEFT JOIN locations l ON l.id = a.location_id
WHERE a.account_id = %(account_id)s AND a.id > %(after)s
  AND (%(external_id)s::text IS NULL OR a.external_id = %(external_id)s)
  AND (%(status)s::text IS NULL OR a.status = %(status)s)
ORDER BY a.id LIMIT %(limit)s;

-- name: appointment_messages
-- An appointment's messages in every campaign (messages_once leads with the campaign: one
-- index probe per campaign of the account).
SELECT m.id, m.campaign_id, m.packet_id, m.customer_id, m.appointment_id, m.step, m.channel,
       m.status, m.reason, m.send_at, m.attempts, m.sent_at, m.segments, m.updated_at,
       cu.external_id AS customer_external_id, a.external_id AS appointment_external_id,
       l.id AS location_id, l.external_id AS location_external_id
FROM campaigns ca
JOIN LATERAL (SELECT q.* FROM messages q
              WHERE q.campaign_id = ca.id AND q.appointment_id = %(appointment_id)s) m ON true
LEFT JOIN customers cu ON cu.id = m.customer_id
LEFT JOIN appointments a ON a.id = m.appointment_id
LEFT JOIN locations l ON l.id = coalesce(m.location_id, a.location_id)
WHERE ca.account_id = %(account_id)s
ORDER BY m.campaign_id, m.step, m.id;

-- name: store_packet_upload
-- A big upload's body, one 1 MiB chunk at a time (in the transaction that creates its packet).
INSERT INTO packet_uploads (packet_id, seq, data) VALUES (%(packet_id)s, %(seq)s, %(data)s);

-- name: mark_packet_receiving
UPDATE packets SET status = 'receiving', body_bytes = %(bytes)s, content_type = %(content_type)s,
       upload_checksum = %(checksum)s
WHERE id = %(packet_id)s AND status = 'received';

-- name: claim_packet_load
SELECT packet_id, campaign_id, content_type FROM claim_packet_load(%(owner)s, %(lease)s);

-- name: renew_packet_load
SELECT renew_packet_load(%(packet_id)s, %(owner)s, %(lease)s, %(rows)s);

-- name: packet_upload_chunk
SELECT data FROM packet_uploads WHERE packet_id = %(packet_id)s AND seq = %(seq)s;

-- name: finish_packet_load
WITH done AS (
    UPDATE packets SET load_owner = NULL, load_lease_expires_at = NULL, rows_read = rows_submitted
    WHERE id = %(packet_id)s
    RETURNING id
)
DELETE FROM packet_uploads u USING done d WHERE u.packet_id = d.id;

-- name: packet_snapshot_of
SELECT snapshot_from, snapshot_to, snapshot_locations, snapshot_force FROM packets
WHERE id = %(packet_id)s;

-- name: create_packet_draft
INSERT INTO packet_drafts (account_id, campaign_id, filename, body)
SELECT c.account_id, c.id, %(filename)s, %(body)s FROM campaigns c WHERE c.id = %(campaign_id)s
RETURNING id;

-- name: take_packet_draft
DELETE FROM packet_drafts WHERE id = %(id)s AND campaign_id = %(campaign_id)s
RETURNING filename, body;

-- name: purge_packet_drafts
WITH d AS (DELETE FROM packet_drafts WHERE created_at < now() - interval '1 day' RETURNING 1)
SELECT count(*) FROM d;

-- === events and webhooks (0016_events.sql, db/procedures/150_events.sql) =====================

-- name: list_events
-- An account's events after a position in (txid, id) order, only from transactions older
-- than every one still running: a later commit can never land behind a cursor.
-- A message event's payload is built here, for the page's rows only (event_data).
SELECT e.id, e.type, e.occurred_at, e.txid::text AS txid, event_data(e) AS data FROM events e
WHERE account_id = %(account_id)s
  AND (txid, id) > (%(txid)s::xid8, %(after_id)s::bigint)
  AND txid < pg_snapshot_xmin(pg_current_snapshot())
  AND (%(types)s::text[] IS NULL OR type = ANY(%(types)s::text[]))
ORDER BY e.txid, e.id -- the column, not the text alias above ("1000" sorts before "999")
LIMIT %(limit)s

-- name: purge_events
SELECT purge_events(%(retention)s)

-- name: create_webhook_endpoint
INSERT INTO webhook_endpoints (account_id, url, description, event_types, enabled, secret)
VALUES (%(account_id)s, %(url)s, %(description)s, %(event_types)s, %(enabled)s, %(secret)s)
RETURNING *

-- name: get_webhook_endpoint
SELECT * FROM webhook_endpoints WHERE id = %(id)s

-- name: list_webhook_endpoints
SELECT * FROM webhook_endpoints WHERE account_id = %(account_id)s AND id > %(after)s
ORDER BY id LIMIT %(limit)s

-- name: update_webhook_endpoint
-- Re-enabling clears the failure state; a changed URL starts a fresh failure clock too.
UPDATE webhook_endpoints SET
    url = CASE WHEN %(set_url)s THEN %(url)s ELSE url END,
    description = CASE WHEN %(set_description)s THEN %(description)s ELSE description END,
    event_types = CASE WHEN %(set_event_types)s THEN %(event_types)s ELSE event_types END,
    enabled = CASE WHEN %(set_enabled)s THEN %(enabled)s ELSE enabled END,
    disabled_reason = CASE WHEN %(set_enabled)s AND %(enabled)s THEN NULL
                           WHEN %(set_enabled)s THEN 'disabled by the account' ELSE disabled_reason END,
    failing_since = CASE WHEN (%(set_enabled)s AND %(enabled)s) OR %(set_url)s THEN NULL ELSE failing_since END,
    updated_at = now()
WHERE id = %(id)s
RETURNING *

-- name: delete_webhook_endpoint
DELETE FROM webhook_endpoints WHERE id = %(id)s RETURNING id

-- name: rotate_webhook_secret
-- The old secret keeps signing (beside the new one) until the overlap ends.
UPDATE webhook_endpoints SET previous_secret = secret, secret = %(secret)s,
       previous_secret_expires_at = now() + %(overlap)s, updated_at = now()
WHERE id = %(id)s
RETURNING *

-- name: list_webhook_attempts
-- An endpoint's attempts, newest first.
SELECT a.id, a.delivery_id, a.event_id, e.type AS event_type, a.attempted_at, a.status_code,
       a.latency_ms, a.response_excerpt, a.error
FROM webhook_attempts a LEFT JOIN events e ON e.id = a.event_id
WHERE a.endpoint_id = %(endpoint_id)s AND (%(after)s = 0 OR a.id < %(after)s)
ORDER BY a.id DESC LIMIT %(limit)s

-- name: replay_webhook_event
-- A manual replay: one more delivery of a kept event, behind its resource's pending ones.
INSERT INTO webhook_deliveries (account_id, endpoint_id, event_id, ordering_key, next_attempt_at, replay)
SELECT e.account_id, w.id, e.id, webhook_ordering_key(e.customer_id, e.packet_id),
       greatest(now(), webhook_key_due(w.id, webhook_ordering_key(e.customer_id, e.packet_id))),
       true
FROM events e JOIN webhook_endpoints w ON w.account_id = e.account_id
WHERE e.id = %(event_id)s AND w.id = %(endpoint_id)s
RETURNING id, event_id, status, next_attempt_at

-- name: replay_webhook_range
SELECT replay_webhook_range(%(endpoint_id)s, %(from)s, %(to)s, %(only_undelivered)s)

-- name: fan_out_events
SELECT fan_out_events(%(limit)s)

-- name: claim_webhook_endpoints
SELECT * FROM claim_webhook_endpoints(%(owner)s, %(lease)s, %(limit)s)

-- name: next_webhook_deliveries
-- An endpoint's due pending deliveries in id order, with their events (NULL once purged),
-- leaving out those held back behind the first pending delivery of the same resource when it
-- waits for a retry (a key's deliveries are never due before its first: fan_out_events and
-- record_webhook_attempt keep it so; the delivery loop holds back the rest of a key that
-- fails in its pass). The head is one probe of webhook_deliveries_key_idx per row.
SELECT d.id, d.event_id, d.ordering_key, e.type, e.occurred_at, event_data(e) AS data
FROM webhook_deliveries d LEFT JOIN events e ON e.id = d.event_id
WHERE d.endpoint_id = %(endpoint_id)s AND d.status = 'pending' AND d.next_attempt_at <= now()
  AND (SELECT h.next_attempt_at FROM webhook_deliveries h
       WHERE h.endpoint_id = d.endpoint_id AND h.status = 'pending'
         AND h.ordering_key = d.ordering_key
       ORDER BY h.id LIMIT 1) <= now()
ORDER BY d.id LIMIT %(limit)s

-- name: expire_webhook_delivery
UPDATE webhook_deliveries SET status = 'failed', completed_at = now() WHERE id = %(id)s

-- name: record_webhook_attempt
SELECT record_webhook_attempt(%(delivery_id)s, %(status)s, %(latency_ms)s, %(excerpt)s, %(error)s,
                              %(retry_base)s, %(retry_max)s, %(retry_window)s, %(disable_after)s)

-- name: release_webhook_endpoint
UPDATE webhook_endpoints SET lease_owner = NULL, lease_expires_at = NULL
WHERE id = %(id)s AND lease_owner = %(owner)s

-- ---------------------------------------------------------------------------------------------
-- People (app_service/people; the identity functions are in db/procedures/160_people.sql).

-- name: people_sign_in_lookup
SELECT * FROM people_sign_in_lookup(%(email)s);

-- name: people_recent_failures
SELECT people_recent_failures(%(email_hash)s, %(address)s) AS n;

-- name: people_record_failure
SELECT people_record_failure(%(email_hash)s, %(address)s);

-- name: people_clear_failures
SELECT people_clear_failures(%(email_hash)s, %(address)s);

-- name: people_memberships
SELECT * FROM people_memberships(%(user_id)s);

-- name: people_session_start
SELECT people_session_start(%(session_id)s, %(user_id)s, %(account_id)s, %(address)s,
                            %(user_agent)s, %(sso)s) AS started;

-- name: people_session
SELECT * FROM people_session(%(session_id)s);

-- name: people_enter_tenant
-- A signed-in person's request: the API role, the account, and the role and location scope
-- that row-level security applies (db/migrations/0020_people.sql).
SELECT set_config('role', 'reminderly_api', false), set_config('reminderly.account_id', %(account_id)s, false),
       set_config('reminderly.role', %(role)s, false), set_config('reminderly.location_id', %(location_id)s, false);

-- name: people_session_mfa_done
SELECT people_session_mfa_done(%(session_id)s);

-- name: people_sessions_of
SELECT * FROM people_sessions_of(%(user_id)s);

-- name: people_session_end_own
SELECT people_session_end_own(%(user_id)s, %(id_hash)s) AS ended;

-- name: people_end_sessions_in_account
SELECT people_end_sessions_in_account(%(user_id)s) AS ended;

-- name: people_set_pending_totp
SELECT people_set_pending_totp(%(user_id)s, %(secret)s);

-- name: people_accept_totp_step
SELECT people_accept_totp_step(%(user_id)s, %(step)s, %(confirm)s) AS accepted;

-- name: people_set_recovery_codes
SELECT people_set_recovery_codes(%(user_id)s, %(hashes)s);

-- name: people_remove_security_key
SELECT people_remove_security_key(%(user_id)s, %(credential_id)s) AS removed;

-- name: people_use_recovery_code
SELECT people_use_recovery_code(%(user_id)s, %(hash)s) AS used;

-- name: people_set_password
SELECT people_set_password(%(user_id)s, %(hash)s);

-- name: people_accept_invitation
SELECT * FROM people_accept_invitation(%(token_hash)s, %(password_hash)s, %(display_name)s);

-- name: people_invitation_of
SELECT * FROM people_invitation_of(%(token_hash)s);

-- name: people_members
SELECT * FROM people_members();

-- name: people_invite
-- An invitation in the caller's account (row-level security checks the account).
INSERT INTO invitations (account_id, email, role, location_id, token_hash, invited_by, expires_at)
VALUES (%(account_id)s, %(email)s, %(role)s, %(location_id)s, %(token_hash)s, %(invited_by)s,
        now() + make_interval(hours => %(hours)s))
RETURNING id, email, role, location_id, expires_at;

-- name: people_invitations
SELECT id, email, role, location_id, created_at, expires_at, accepted_at, cancelled_at
FROM invitations ORDER BY id DESC LIMIT %(limit)s;

-- name: people_cancel_invitation
UPDATE invitations SET cancelled_at = now()
WHERE id = %(id)s AND accepted_at IS NULL AND cancelled_at IS NULL
RETURNING id, email, role;

-- name: people_renew_invitation
-- Resending: a new token and a new expiry; the old link stops working.
UPDATE invitations SET token_hash = %(token_hash)s, expires_at = now() + make_interval(hours => %(hours)s)
WHERE id = %(id)s AND accepted_at IS NULL AND cancelled_at IS NULL
RETURNING id, email, role, location_id, expires_at;

-- name: people_membership
SELECT user_id, role, location_id FROM memberships WHERE user_id = %(user_id)s;

-- name: people_change_role
UPDATE memberships SET role = %(role)s, location_id = %(location_id)s
WHERE user_id = %(user_id)s RETURNING user_id, role, location_id;

-- name: people_remove_member
DELETE FROM memberships WHERE user_id = %(user_id)s RETURNING user_id, role;

-- name: staff_mail_put
INSERT INTO staff_mail (account_id, recipient, subject, body)
VALUES (%(account_id)s, %(recipient)s, %(subject)s, %(body)s) RETURNING id;

-- name: template_test_sends_recent
-- A member's test sends in the last hour (the audit log is the record of them).
SELECT count(*) AS n FROM audit_log
WHERE actor_user = %(user_id)s AND action = 'template.test_sent'
  AND at > now() - interval '1 hour';

-- name: staff_mail_list
-- The local mailbox (development): newest first, every account.
SELECT id, account_id, recipient, subject, body, created_at, sent_at
FROM staff_mail ORDER BY id DESC LIMIT %(limit)s;

-- name: audit_put
INSERT INTO audit_log (account_id, actor_user, actor_key, actor_role, action, object_type,
                       object_id, before, after, address, request_id)
VALUES (%(account_id)s, %(actor_user)s, %(actor_key)s, %(actor_role)s, %(action)s,
        %(object_type)s, %(object_id)s, %(before)s, %(after)s, %(address)s, %(request_id)s);

-- name: audit_sign_in
SELECT audit_sign_in(%(user_id)s, %(action)s, %(address)s, %(request_id)s);

-- name: audit_list
-- The account's audit log, newest first, filtered (each filter optional).
SELECT l.id, l.at, l.actor_user, l.actor_key, l.actor_role, l.action, l.object_type,
       l.object_id, l.before, l.after, l.address, l.request_id, u.email AS actor_email
FROM audit_log l LEFT JOIN people_members() u ON u.user_id = l.actor_user
WHERE (%(action)s::text IS NULL OR l.action LIKE %(action)s || '%%')
  AND (%(since)s::timestamptz IS NULL OR l.at >= %(since)s)
  AND (%(before_id)s::bigint IS NULL OR l.id < %(before_id)s)
ORDER BY l.id DESC LIMIT %(limit)s;

-- name: audit_purge
SELECT audit_log_purge() AS purged;

-- name: people_reset_request
SELECT people_reset_request(%(email)s, %(token_hash)s, %(link)s);

-- name: people_reset_of
SELECT * FROM people_reset_of(%(token_hash)s);

-- name: people_reset_finish
SELECT people_reset_finish(%(token_hash)s, %(password_hash)s) AS done;

-- name: people_email_change_request
SELECT people_email_change_request(%(user_id)s, %(new_email)s, %(token_hash)s, %(link)s) AS asked;

-- name: people_email_change_finish
SELECT * FROM people_email_change_finish(%(token_hash)s);

-- name: people_set_disabled
-- An operator disables (or re-enables) a user everywhere; disabling ends every session at once.
WITH changed AS (
    UPDATE users SET disabled_at = CASE WHEN %(disabled)s THEN coalesce(disabled_at, now()) END
    WHERE email = lower(%(email)s) RETURNING id
), ended AS (
    UPDATE dashboard_sessions s SET ended_at = now()
    FROM changed WHERE %(disabled)s AND s.user_id = changed.id AND s.ended_at IS NULL
    RETURNING s.id
)
SELECT (SELECT count(*) FROM changed) AS users, (SELECT count(*) FROM ended) AS sessions_ended;

-- name: api_key_made_by
UPDATE api_keys SET created_by_user = %(user_id)s WHERE id = %(id)s;

-- name: console_api_keys
-- The account's keys for the console, with who made each (no secrets exist to show).
SELECT k.id, k.name, k.prefix, k.scopes, k.created_at, k.last_used_at, k.revoked_at,
       u.email AS created_by
FROM api_keys k LEFT JOIN people_members() u ON u.user_id = k.created_by_user
WHERE NOT ('operator' = ANY (k.scopes))
ORDER BY k.revoked_at IS NOT NULL, k.id DESC LIMIT 500;

-- ---------------------------------------------------------------------------------------------
-- Inbox (app_service/people/inbox.py; tables in 0021_inbox.sql), under the member's tenant.

-- name: inbox_list
-- Conversations newest reply first: open or closed, mine / unassigned / all.
SELECT c.customer_id, c.state, c.task, c.last_reply_at, c.last_reply_text,
       c.last_reply_id > c.read_through AS unread, c.assigned_user, m.email AS assigned_email,
       cu.first_name, cu.last_name, cu.external_id
FROM conversations c
JOIN customers cu ON cu.id = c.customer_id
LEFT JOIN people_members() m ON m.user_id = c.assigned_user
WHERE c.state = %(state)s
  AND (%(who)s = 'all' OR (%(who)s = 'mine' AND c.assigned_user = %(user_id)s)
       OR (%(who)s = 'unassigned' AND c.assigned_user IS NULL))
ORDER BY c.last_reply_at DESC LIMIT %(limit)s;

-- name: inbox_counts
SELECT count(*) FILTER (WHERE state = 'open') AS open,
       count(*) FILTER (WHERE state = 'open' AND last_reply_id > read_through) AS unread,
       count(*) FILTER (WHERE state = 'open' AND task IS NOT NULL) AS tasks
FROM conversations;

-- name: inbox_conversation
SELECT c.customer_id, c.state, c.task, c.assigned_user, m.email AS assigned_email,
       c.last_reply_id, cu.first_name, cu.last_name, cu.external_id
FROM conversations c JOIN customers cu ON cu.id = c.customer_id
LEFT JOIN people_members() m ON m.user_id = c.assigned_user
WHERE c.customer_id = %(customer_id)s;

-- name: inbox_thread
-- What was sent to the customer, what they wrote and what the team answered (with its
-- delivery status, and who), newest first.
SELECT * FROM (
    SELECT m.sent_at AS at, 'out' AS direction, ca.name || ', step ' || m.step AS text,
           m.status AS detail, NULL AS author
    FROM messages m JOIN campaigns ca ON ca.id = m.campaign_id
    WHERE m.customer_id = %(customer_id)s AND m.sent_at IS NOT NULL
    UNION ALL
    SELECT e.occurred_at, 'in', coalesce(e.data ->> 'text', ''), e.data ->> 'classified', NULL
    FROM message_events e
    WHERE e.customer_id = %(customer_id)s AND e.kind IN ('reply', 'keyword')
    UNION ALL
    SELECT coalesce(m.sent_at, x.created_at), 'answer', x.body,
           x.channel || ', ' || CASE
               WHEN m.status = 'scheduled'
                   THEN 'scheduled for ' || to_char(m.send_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI "UTC"')
               WHEN m.status IS NULL THEN 'not visible'
               ELSE m.status || coalesce(' (' || nullif(m.reason, '') || ')', '') END,
           coalesce(u.email, 'former member')
    FROM answers x
    LEFT JOIN messages m ON m.campaign_id = 0 AND m.appointment_id = -x.id
    LEFT JOIN people_members() u ON u.user_id = x.user_id
    WHERE x.customer_id = %(customer_id)s
) t ORDER BY at DESC LIMIT 200;

-- name: answer_queue
SELECT outcome, answer_id, send_at, location_name, tz, win_start, win_end
FROM queue_answer(%(customer_id)s, %(user_id)s, %(channel)s, %(body)s, %(subject)s,
                  %(template_id)s, %(token)s, %(schedule)s);

-- name: answer_context
-- What a quick reply is rendered with, and what the answer form offers: the customer's
-- fields and addresses, their consent per channel, and their latest appointment's.
SELECT cu.first_name, cu.last_name, cu.phone IS NOT NULL AS has_phone,
       cu.email IS NOT NULL AS has_email, cu.sms_opted_out_at, cu.email_opted_out_at,
       a.starts_at, a.merge_fields, w.tz, w.location_name, w.win_start, w.win_end,
       (now() AT TIME ZONE w.tz)::time AS local_now
FROM customers cu
CROSS JOIN LATERAL answer_window(cu.id) w
LEFT JOIN LATERAL (
    SELECT x.starts_at, x.merge_fields FROM appointments x
    WHERE x.customer_id = cu.id ORDER BY x.starts_at DESC LIMIT 1) a ON true
WHERE cu.id = %(customer_id)s;

-- name: inbox_notes
SELECT n.id, n.body, n.created_at, m.email AS author
FROM conversation_notes n LEFT JOIN people_members() m ON m.user_id = n.user_id
WHERE n.customer_id = %(customer_id)s ORDER BY n.id;

-- name: inbox_mark_read
UPDATE conversations SET read_through = last_reply_id
WHERE customer_id = %(customer_id)s AND read_through < last_reply_id;

-- name: inbox_update
-- Assign (user id, or NULL to unassign), open/close, clear the task; each field optional.
UPDATE conversations SET
    assigned_user = CASE WHEN %(set_assignee)s THEN %(assignee)s::bigint ELSE assigned_user END,
    state = coalesce(%(state)s, state),
    task = CASE WHEN %(clear_task)s THEN NULL ELSE task END,
    updated_at = now()
WHERE customer_id = %(customer_id)s
RETURNING customer_id, state, task, assigned_user;

-- name: inbox_add_note
INSERT INTO conversation_notes (account_id, customer_id, user_id, body)
SELECT c.account_id, c.customer_id, %(user_id)s, %(body)s FROM conversations c
WHERE c.customer_id = %(customer_id)s
RETURNING id;

-- name: console_customer_search
-- Customers by name, phone digits, email or external id (the console's search box).
SELECT id, external_id, first_name, last_name, phone, email, sms_opted_out_at, email_opted_out_at
FROM customers
WHERE external_id = %(q)s OR lower(email) = lower(%(q)s)
   OR (%(digits)s <> '' AND phone LIKE '%%' || %(digits)s || '%%')
   OR (first_name || ' ' || coalesce(last_name, '')) ILIKE '%%' || %(like)s || '%%'
   OR last_name ILIKE '%%' || %(like)s || '%%'
ORDER BY last_seen_at DESC LIMIT 100;

-- name: console_consent_ledger
SELECT channel, action, source, note, occurred_at FROM consent_events
WHERE customer_id = %(customer_id)s ORDER BY id DESC LIMIT 200;

-- name: console_customer_export
-- Everything kept about one customer, as one JSON document (a data-subject request).
SELECT jsonb_build_object(
    'customer', (SELECT to_jsonb(c) FROM customers c WHERE c.id = %(customer_id)s),
    'appointments', coalesce((SELECT jsonb_agg(to_jsonb(a) ORDER BY a.id) FROM appointments a
                              WHERE a.customer_id = %(customer_id)s), '[]'),
    'messages', coalesce((SELECT jsonb_agg(jsonb_build_object('id', m.id, 'campaign_id', m.campaign_id,
                              'channel', m.channel, 'status', m.status, 'reason', m.reason,
                              'send_at', m.send_at, 'sent_at', m.sent_at) ORDER BY m.id)
                          FROM messages m WHERE m.customer_id = %(customer_id)s), '[]'),
    'events', coalesce((SELECT jsonb_agg(jsonb_build_object('kind', e.kind, 'data', e.data,
                            'occurred_at', e.occurred_at) ORDER BY e.id)
                        FROM message_events e WHERE e.customer_id = %(customer_id)s), '[]'),
    'consent', coalesce((SELECT jsonb_agg(to_jsonb(x) - 'account_id' ORDER BY x.id) FROM consent_events x
                         WHERE x.customer_id = %(customer_id)s), '[]')
) AS document;

-- name: console_erase_customer
SELECT erase_customer(%(customer_id)s) AS outcome;

-- name: people_security_keys
SELECT * FROM people_security_keys(%(user_id)s);

-- name: people_add_security_key
SELECT people_add_security_key(%(user_id)s, %(credential_id)s, %(public_key)s, %(sign_count)s, %(name)s);

-- name: people_use_security_key
SELECT people_use_security_key(%(user_id)s, %(credential_id)s, %(sign_count)s) AS used;

-- name: staff_mail_claim
-- Unsent staff mail for one sender pass (another worker skips what this one holds).
SELECT id, recipient, subject, body FROM staff_mail
WHERE sent_at IS NULL AND attempts < %(max_attempts)s
ORDER BY id LIMIT %(limit)s FOR UPDATE SKIP LOCKED;

-- name: staff_mail_sent
UPDATE staff_mail SET sent_at = now(), attempts = attempts + 1, last_error = NULL WHERE id = %(id)s;

-- name: staff_mail_failed
UPDATE staff_mail SET attempts = attempts + 1, last_error = %(error)s WHERE id = %(id)s;

-- name: people_sso_user
SELECT people_sso_user(%(issuer)s, %(subject)s, %(email)s) AS user_id;

-- name: simulation_target
-- A message as the development inbound simulator needs it: the customer's phone and the
-- number a reply would be written to (the account's own, else the shared one: NULL).
SELECT m.id, m.channel, m.status, m.sent_at, m.provider_message_id, cu.phone,
       (SELECT s.number FROM sms_sender_numbers s WHERE s.account_id = m.account_id
        ORDER BY s.number LIMIT 1) AS sender_number
FROM messages m LEFT JOIN customers cu ON cu.id = m.customer_id
WHERE m.id = %(id)s;

-- name: dashboard_webhook_endpoints
-- The dashboard's webhooks page: each endpoint with its latest attempt.
SELECT w.id, w.url, w.description, w.event_types, w.enabled, w.disabled_reason, w.failing_since,
       last.attempted_at AS last_attempt_at, last.status_code AS last_status
FROM webhook_endpoints w
LEFT JOIN LATERAL (SELECT a.attempted_at, a.status_code FROM webhook_attempts a
                   WHERE a.endpoint_id = w.id ORDER BY a.id DESC LIMIT 1) last ON true
WHERE w.account_id = %(account_id)s
ORDER BY w.id

-- name: dashboard_webhook_pending
SELECT count(*) AS pending FROM webhook_deliveries
WHERE endpoint_id = %(endpoint_id)s AND status = 'pending'

-- `reminderly db bootstrap` (app_service/db_bootstrap.py): the logins' first passwords. The
-- {placeholders} are identifiers and SCRAM verifiers composed by psycopg.sql (role statements
-- take no bind parameters); the cleartext password never reaches the server or its logs.

-- name: login_state
SELECT EXISTS (SELECT FROM pg_roles WHERE rolname = %(role)s) AS present,
       coalesce((SELECT shobj_description(oid, 'pg_authid') FROM pg_roles WHERE rolname = %(role)s), '')
           = 'password set from its secret by reminderly db bootstrap' AS password_set;

-- name: create_owner_login
CREATE ROLE reminderly_owner LOGIN CREATEROLE

-- name: set_login_password
ALTER ROLE {role} PASSWORD {verifier};
COMMENT ON ROLE {role} IS 'password set from its secret by reminderly db bootstrap'

-- name: hand_schema_to_owner
GRANT reminderly_owner TO CURRENT_USER;
ALTER DATABASE {database} OWNER TO reminderly_owner;
DO $$
DECLARE
    o record;
BEGIN
    -- what an earlier deploy migrated as the master user, if anything, now belongs to the owner
    FOR o IN
        SELECT CASE c.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW' ELSE 'TABLE' END AS kind,
               c.relname AS name
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'S', 'v')
          AND c.relowner = (SELECT oid FROM pg_roles WHERE rolname = CURRENT_USER)
          AND NOT (c.relkind = 'S' AND EXISTS (SELECT FROM pg_depend d WHERE d.objid = c.oid AND d.deptype IN ('a', 'i')))
    LOOP
        EXECUTE format('ALTER %s %I OWNER TO reminderly_owner', o.kind, o.name);
    END LOOP;
    FOR o IN
        SELECT p.oid::regprocedure::text AS name, CASE p.prokind WHEN 'p' THEN 'PROCEDURE' ELSE 'FUNCTION' END AS kind
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = 'public' AND p.proowner = (SELECT oid FROM pg_roles WHERE rolname = CURRENT_USER)
    LOOP
        EXECUTE format('ALTER %s %s OWNER TO reminderly_owner', o.kind, o.name);
    END LOOP;
END
$$

-- name: drill_make_due
-- the local region drill (app_service/ops/region_drill.py): the first n scheduled messages due now
UPDATE messages SET send_at = now() - interval '1 second'
WHERE id IN (SELECT id FROM messages WHERE status = 'scheduled' ORDER BY id LIMIT %(n)s)
RETURNING id;

-- name: drill_in_flight
-- messages handed to the provider and not yet recorded (the send marker set): a dead worker's
SELECT id FROM messages WHERE send_started_at IS NOT NULL AND status = 'ready' ORDER BY id;

-- name: drill_other_sessions
-- client sessions on this database besides this one: a killed worker's stay until their backends
-- finish what they received (a COMMIT sent just before the kill still commits)
SELECT count(*) FROM pg_stat_activity
WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend';

-- name: drill_outcomes
SELECT id, status, reason FROM messages WHERE id = ANY(%(ids)s) ORDER BY id;

-- name: drill_lease_expiry
SELECT max(lease_expires_at) FROM messages;

-- name: drill_wal_lsn
SELECT pg_current_wal_lsn()::text;

-- name: drill_replayed
SELECT pg_last_wal_replay_lsn() >= %(lsn)s::pg_lsn;

-- name: drill_in_recovery
SELECT pg_is_in_recovery();

-- name: drill_batch_state
-- leased messages handed to the provider (marker set) and not yet handed over
SELECT count(*) FILTER (WHERE send_started_at IS NOT NULL), count(*) FILTER (WHERE send_started_at IS NULL)
FROM messages WHERE status = 'ready' AND lease_owner IS NOT NULL;

-- name: drill_create_database
CREATE DATABASE reminderly;

-- name: account_settings
SELECT * FROM account_settings();

-- name: account_set_audit_retention
SELECT account_set_audit_retention(%(days)s) AS previous;

-- name: account_set_sign_in_method
SELECT account_set_sign_in_method(%(method)s) AS previous;

-- ---------------------------------------------------------------------------------------------
-- Reports per location, and CSV exports built in the background (0026_report_exports).

-- name: location_message_counts
-- one location's message states in a campaign (location 0: appointments without one)
SELECT status, sum(n)::bigint AS n FROM campaign_location_counts
WHERE campaign_id = %(campaign_id)s AND location_id = %(location_id)s GROUP BY 1 HAVING sum(n) <> 0;

-- name: location_event_counts
SELECT kind, sum(n)::bigint AS n FROM campaign_location_event_counts
WHERE campaign_id = %(campaign_id)s AND location_id = %(location_id)s GROUP BY 1;

-- name: location_survey_score_counts
SELECT score, sum(n)::bigint AS n, sum(comments)::bigint AS comments FROM survey_location_score_counts
WHERE campaign_id = %(campaign_id)s AND location_id = %(location_id)s GROUP BY 1 ORDER BY 1;

-- name: location_timeseries
-- bucket: 'hour' or 'day', in the account's timezone (as campaign_timeseries)
SELECT date_trunc(%(bucket)s, h.hour AT TIME ZONE a.timezone) AT TIME ZONE a.timezone AS bucket,
       h.metric, sum(h.n)::bigint AS n
FROM campaign_location_hourly_counts h
JOIN campaigns c ON c.id = h.campaign_id
JOIN accounts a ON a.id = c.account_id
WHERE h.campaign_id = %(campaign_id)s AND h.location_id = %(location_id)s
  AND h.hour >= %(since)s AND h.hour < %(until)s
GROUP BY 1, 2 ORDER BY 1, 2;

-- name: campaign_planned_total
-- every message a campaign planned (or one location's): the most rows an export can hold
SELECT coalesce(sum(n), 0)::bigint FROM campaign_location_counts
WHERE campaign_id = %(campaign_id)s
  AND (%(location_id)s::bigint IS NULL OR location_id = %(location_id)s);

-- name: report_export_rows
-- a campaign's messages by send time, with what came back; the export's rows
SELECT m.id, m.step, m.channel, m.status, m.reason, m.send_at, m.sent_at,
       l.external_id AS location, a.external_id AS appointment, cu.external_id AS customer,
       coalesce(ev.delivered, false) AS delivered, coalesce(ev.replied, false) AS replied,
       coalesce(ev.confirmed, false) AS confirmed, coalesce(ev.clicked, false) AS clicked,
       sr.score AS survey_score
FROM messages m
LEFT JOIN locations l ON l.id = m.location_id
LEFT JOIN appointments a ON a.id = m.appointment_id
LEFT JOIN customers cu ON cu.id = m.customer_id
LEFT JOIN LATERAL (
    SELECT bool_or(e.kind = 'delivered') AS delivered, bool_or(e.kind = 'reply') AS replied,
           bool_or(e.kind = 'confirmed') AS confirmed, bool_or(e.kind = 'link_clicked') AS clicked
    FROM message_events e WHERE e.message_id = m.id
) ev ON true
LEFT JOIN survey_responses sr ON sr.message_id = m.id
WHERE m.account_id = %(account_id)s AND m.campaign_id = %(campaign_id)s
  AND m.send_at >= %(since)s AND m.send_at < %(until)s
  AND (%(location_id)s::bigint IS NULL OR m.location_id = %(location_id)s)
ORDER BY m.send_at, m.id;

-- name: report_export_request
SELECT report_export_request(%(campaign_id)s, %(location_id)s, %(since)s, %(until)s,
                             %(user_id)s, %(key_id)s, %(expected)s);

-- name: report_export_get
SELECT e.id, e.campaign_id, c.name AS campaign_name, e.location_id, l.external_id AS location,
       l.name AS location_name, e.since, e.until, e.state, e.rows_expected, e.rows_written,
       e.bytes, e.error, e.created_at, e.started_at, e.finished_at, e.expires_at,
       e.requested_user, e.requested_key, e.account_id,
       e.state = 'done' AND e.expires_at > now() AS downloadable
FROM report_exports e
JOIN campaigns c ON c.id = e.campaign_id
LEFT JOIN locations l ON l.id = e.location_id
WHERE e.id = %(id)s;

-- name: report_export_list
SELECT e.id, e.campaign_id, c.name AS campaign_name, e.location_id, l.external_id AS location,
       l.name AS location_name, e.since, e.until, e.state, e.rows_expected, e.rows_written,
       e.created_at, e.expires_at, e.state = 'done' AND e.expires_at > now() AS downloadable
FROM report_exports e
JOIN campaigns c ON c.id = e.campaign_id
LEFT JOIN locations l ON l.id = e.location_id
ORDER BY e.id DESC LIMIT %(limit)s;

-- name: report_export_chunk
SELECT data FROM report_export_chunks WHERE export_id = %(id)s AND seq = %(seq)s;

-- name: claim_report_export
SELECT id, account_id, campaign_id, location_id, since, until, rows_expected
FROM claim_report_export(%(owner)s, %(lease)s);

-- name: report_export_progress
-- the builder's lease renewed with its progress; false when it lost the lease
UPDATE report_exports SET rows_written = %(rows)s, bytes = %(bytes)s, lease_until = now() + %(lease)s
WHERE id = %(id)s AND state = 'running' AND lease_owner = %(owner)s
RETURNING true;

-- name: report_export_put_chunk
INSERT INTO report_export_chunks (export_id, seq, data) VALUES (%(id)s, %(seq)s, %(data)s);

-- name: report_export_finish
UPDATE report_exports SET state = 'done', rows_written = %(rows)s, bytes = %(bytes)s,
       finished_at = now(), expires_at = now() + %(keep)s, lease_owner = NULL, lease_until = NULL
WHERE id = %(id)s AND state = 'running' AND lease_owner = %(owner)s
RETURNING true;

-- name: report_export_fail
UPDATE report_exports SET state = 'failed', error = left(%(error)s, 500), finished_at = now(),
       lease_owner = NULL, lease_until = NULL
WHERE id = %(id)s AND state = 'running' AND lease_owner = %(owner)s;

-- name: expire_report_exports
SELECT expire_report_exports();
