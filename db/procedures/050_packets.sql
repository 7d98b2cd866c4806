-- Packet lifecycle: load -> validate -> plan, then dispatch moves it to completed.
-- The loader (app_service/packets.py) streams rows with COPY into the session's temporary
-- packet_inbox (create_packet_inbox), then calls validate_packet and plan_packet in the same
-- transaction: a packet is either validated with every row accounted for, or rolled back and
-- marked failed with a reason. Nothing is half-loaded.

-- Create the session's COPY target (rows vanish at commit; no WAL is written for them).
CREATE OR REPLACE FUNCTION create_packet_inbox() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF to_regclass('pg_temp.packet_inbox') IS NULL THEN
        CREATE TEMPORARY TABLE packet_inbox (
            row_no         integer NOT NULL,
            customer_id    text,
            first_name     text,
            last_name      text,
            phone          text,
            email          text,
            timezone       text,
            appointment_id text,
            appointment_at text,
            status         text,
            location_id    text,
            extra          jsonb,
            error_column   text,
            error_reason   text
        ) ON COMMIT DELETE ROWS;
        -- one session may load as its own login and, in an API request, as reminderly_api:
        -- both may use the inbox whichever created it (the login is a member of the role)
        GRANT SELECT, INSERT, UPDATE, DELETE ON pg_temp.packet_inbox TO reminderly_api;
    END IF;
END
$$;

-- Register a packet (status received). With an idempotency key already used for the
-- campaign, return that packet instead and created = false.
CREATE OR REPLACE FUNCTION create_packet(p_campaign bigint, p_source text, p_filename text,
                                         p_key text, OUT packet_id bigint, OUT created boolean)
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO packets (account_id, campaign_id, source, filename, idempotency_key)
    SELECT c.account_id, c.id, p_source, p_filename, p_key FROM campaigns c
    WHERE c.id = p_campaign AND c.status IN ('draft', 'active', 'paused')
    ON CONFLICT (campaign_id, idempotency_key) DO NOTHING
    RETURNING id INTO packet_id;
    IF packet_id IS NOT NULL THEN
        created := true;
        RETURN;
    END IF;
    SELECT p.id INTO packet_id FROM packets p WHERE p.campaign_id = p_campaign AND p.idempotency_key = p_key;
    IF packet_id IS NULL THEN
        RAISE EXCEPTION 'campaign % does not exist or is archived', p_campaign
            USING ERRCODE = 'no_data_found';
    END IF;
    created := false;
END
$$;

-- Record that the COPY finished: the row count and the content checksum. A packet with the
-- same checksum already taken for the campaign raises unique_violation (packets_checksum_uq).
-- (plpgsql: the temporary inbox exists only in the loading session.)
CREATE OR REPLACE FUNCTION mark_packet_loaded(p_packet bigint, p_checksum bytea) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    n integer;
BEGIN
    UPDATE packets SET status = 'loaded', loaded_at = clock_timestamp(), checksum = p_checksum,
           rows_submitted = (SELECT count(*) FROM pg_temp.packet_inbox)
    WHERE id = p_packet AND status = 'received'
    RETURNING rows_submitted INTO n;
    RETURN n;
END
$$;

-- Validate: normalise phones, emails, timezones and appointment times of the inbox rows,
-- check required fields, reject duplicates within the packet, and write every row to
-- packet_rows with either its normalised values or its first error (column and reason).
-- (force_custom_plan: a plan cached while the tables were small would keep scanning them.)
CREATE OR REPLACE FUNCTION validate_packet(p_packet bigint, OUT accepted integer, OUT rejected integer)
LANGUAGE plpgsql SET plan_cache_mode = force_custom_plan AS $$
DECLARE
    pk packets;
    acct accounts;
    camp campaigns;
    needs_phone boolean;
    needs_email boolean;
    region phone_regions;
BEGIN
    SELECT * INTO STRICT pk FROM packets WHERE id = p_packet FOR UPDATE;
    IF pk.status <> 'loaded' THEN
        RAISE EXCEPTION 'packet % is %, not loaded', p_packet, pk.status USING ERRCODE = 'check_violation';
    END IF;
    SELECT * INTO STRICT acct FROM accounts WHERE id = pk.account_id;
    SELECT * INTO STRICT camp FROM campaigns WHERE id = pk.campaign_id;
    needs_phone := camp.channel = 'sms';
    needs_email := camp.channel = 'email';

    SELECT * INTO region FROM phone_regions WHERE phone_regions.region = acct.default_country;

    WITH norm AS MATERIALIZED (  -- materialised: each function runs once per row
        SELECT i.*,
               normalize_phone(i.phone, region) AS phone_e164,
               normalize_email(i.email) AS email_norm,
               z.tz_name,
               tzn.name IS NOT NULL AS tz_ok,
               CASE WHEN tzn.name IS NOT NULL THEN parse_local_timestamp(i.appointment_at, z.tz_name) END AS starts_at
        FROM pg_temp.packet_inbox i
        LEFT JOIN locations l ON l.account_id = pk.account_id AND l.external_id = i.location_id
        CROSS JOIN LATERAL (SELECT coalesce(i.timezone, l.timezone, acct.timezone) AS tz_name) AS z
        LEFT JOIN timezones tzn ON tzn.name = z.tz_name
    ), checked AS (
        SELECT t.*,
               coalesce(t.appointment_id,
                        'visit:' || t.customer_id || '@' ||
                        coalesce(to_char(t.starts_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                                 'packet:' || p_packet)) AS appt_key,
               CASE
                   WHEN t.error_reason IS NOT NULL THEN array[t.error_column, t.error_reason]
                   WHEN t.customer_id IS NULL THEN array['customer_id', 'is required']
                   WHEN length(t.customer_id) > 200 THEN array['customer_id', 'is longer than 200 characters']
                   WHEN t.phone IS NOT NULL AND t.phone_e164 IS NULL
                       THEN array['phone', 'is not a valid phone number (default country ' || acct.default_country || ')']
                   WHEN needs_phone AND t.phone IS NULL THEN array['phone', 'is required for an sms campaign']
                   WHEN t.email IS NOT NULL AND t.email_norm IS NULL THEN array['email', 'is not a valid email address']
                   WHEN needs_email AND t.email IS NULL THEN array['email', 'is required for an email campaign']
                   WHEN NOT t.tz_ok AND t.timezone IS NOT NULL THEN array['timezone', 'is not an IANA timezone name']
                   WHEN NOT t.tz_ok THEN array['location_id', 'has a timezone that is not an IANA timezone name']
                   WHEN t.appointment_at IS NULL AND camp.kind IN ('reminder', 'survey')
                       THEN array['appointment_at', 'is required for a ' || camp.kind || ' campaign']
                   WHEN t.appointment_at IS NOT NULL AND t.starts_at IS NULL
                       THEN array['appointment_at', 'is not an ISO 8601 date-time']
                   WHEN t.appointment_id IS NULL AND camp.kind = 'reminder'
                       THEN array['appointment_id', 'is required for a reminder campaign']
                   WHEN length(t.appointment_id) > 200 THEN array['appointment_id', 'is longer than 200 characters']
                   WHEN t.status IS NOT NULL AND lower(t.status) NOT IN ('booked', 'cancelled')
                       THEN array['status', 'must be booked or cancelled']
               END AS err
        FROM norm t
    ), deduped AS (
        SELECT c.*,
               CASE WHEN c.err IS NULL THEN
                   min(c.row_no) FILTER (WHERE c.err IS NULL) OVER (PARTITION BY c.appt_key)
               END AS first_row
        FROM checked c
    ), ins AS (
        INSERT INTO packet_rows (packet_id, row_no, customer_id, first_name, last_name, phone, email,
                                 timezone, appointment_id, appointment_at, status, location_id, extra,
                                 phone_e164, email_norm, tz, starts_at, appointment_key,
                                 error_column, error_reason)
        SELECT p_packet, d.row_no, d.customer_id, d.first_name, d.last_name, d.phone, d.email,
               d.timezone, d.appointment_id, d.appointment_at, lower(d.status), d.location_id, d.extra,
               d.phone_e164, d.email_norm, d.tz_name, d.starts_at,
               CASE WHEN d.err IS NULL THEN d.appt_key END,
               coalesce(d.err[1], CASE WHEN d.first_row <> d.row_no THEN 'appointment_id' END),
               coalesce(d.err[2], CASE WHEN d.first_row <> d.row_no
                                       THEN 'duplicates row ' || d.first_row || ' of this packet' END)
        FROM deduped d
        RETURNING error_reason IS NULL AS ok
    )
    SELECT count(*) FILTER (WHERE ok), count(*) FILTER (WHERE NOT ok) INTO accepted, rejected FROM ins;

    UPDATE packets SET status = 'validated', validated_at = clock_timestamp(),
           rows_accepted = accepted, rows_rejected = rejected
    WHERE id = p_packet;
END
$$;

-- Plan: upsert customers and appointments from the accepted rows; cancel or replan the
-- pending messages of appointments a later packet cancelled or moved; expand new
-- appointments into one message per campaign step, with send_at inside the send window
-- in the recipient's timezone (or suppressed, with the reason). Returns messages created.
CREATE OR REPLACE FUNCTION plan_packet(p_packet bigint) RETURNS integer
LANGUAGE plpgsql SET plan_cache_mode = force_custom_plan AS $$
DECLARE
    pk packets;
    camp campaigns;
    n_new integer; n_moved integer; n_cancelled integer; n_unchanged integer; n_messages integer;
BEGIN
    SELECT * INTO STRICT pk FROM packets WHERE id = p_packet FOR UPDATE;
    IF pk.status <> 'validated' THEN
        RAISE EXCEPTION 'packet % is %, not validated', p_packet, pk.status USING ERRCODE = 'check_violation';
    END IF;
    SELECT * INTO STRICT camp FROM campaigns WHERE id = pk.campaign_id;

    INSERT INTO locations (account_id, external_id)
    SELECT DISTINCT pk.account_id, r.location_id FROM packet_rows r
    WHERE r.packet_id = p_packet AND r.error_reason IS NULL AND r.location_id IS NOT NULL
    ON CONFLICT (account_id, external_id) DO NOTHING;

    WITH src AS (
        -- the last accepted row of each customer carries their current details
        SELECT DISTINCT ON (r.customer_id) r.*
        FROM packet_rows r
        WHERE r.packet_id = p_packet AND r.error_reason IS NULL
        ORDER BY r.customer_id, r.row_no DESC
    )
    INSERT INTO customers AS c (account_id, external_id, first_name, last_name, phone, email, timezone)
    SELECT pk.account_id, s.customer_id, s.first_name, s.last_name, s.phone_e164, s.email_norm, s.timezone
    FROM src s
    ON CONFLICT (account_id, external_id) DO UPDATE SET
        first_name = coalesce(excluded.first_name, c.first_name),
        last_name = coalesce(excluded.last_name, c.last_name),
        phone = coalesce(excluded.phone, c.phone),
        email = coalesce(excluded.email, c.email),
        timezone = coalesce(excluded.timezone, c.timezone),
        last_seen_at = now(),
        updated_at = now(),
        pii_purged_at = NULL;

    WITH src AS (
        SELECT r.appointment_key, r.starts_at, r.tz, coalesce(r.status, 'booked') AS status,
               cu.id AS customer_id, lo.id AS location_id,
               coalesce(r.extra, '{}'::jsonb) || jsonb_strip_nulls(jsonb_build_object(
                   'first_name', r.first_name, 'last_name', r.last_name,
                   'appointment_at', r.appointment_at, 'location_id', r.location_id)) AS merge_fields
        FROM packet_rows r
        JOIN customers cu ON cu.account_id = pk.account_id AND cu.external_id = r.customer_id
        LEFT JOIN locations lo ON lo.account_id = pk.account_id AND lo.external_id = r.location_id
        WHERE r.packet_id = p_packet AND r.error_reason IS NULL
    ), change AS (
        INSERT INTO appointments AS a (account_id, external_id, customer_id, location_id, starts_at,
                                       timezone, status, merge_fields, last_packet_id, last_change)
        SELECT pk.account_id, s.appointment_key, s.customer_id, s.location_id,
               coalesce(s.starts_at, pk.received_at), s.tz, s.status, s.merge_fields, p_packet,
               CASE WHEN s.status = 'cancelled' THEN 'cancelled' ELSE 'new' END
        FROM src s
        ON CONFLICT (account_id, external_id) DO UPDATE SET
            last_change = CASE
                WHEN excluded.status = 'cancelled' AND a.status = 'booked' THEN 'cancelled'
                WHEN excluded.status = 'cancelled' THEN 'unchanged'
                WHEN a.status = 'cancelled' OR a.starts_at <> excluded.starts_at
                     OR a.customer_id <> excluded.customer_id OR a.timezone <> excluded.timezone THEN 'moved'
                ELSE 'unchanged'
            END,
            customer_id = excluded.customer_id, location_id = excluded.location_id,
            starts_at = excluded.starts_at, timezone = excluded.timezone, status = excluded.status,
            merge_fields = excluded.merge_fields, last_packet_id = excluded.last_packet_id,
            updated_at = now()
        RETURNING a.id, a.customer_id, a.location_id, a.starts_at, a.timezone, a.status, a.last_change AS kind
    ), camp_steps AS MATERIALIZED (  -- a handful of rows, read once (not once per appointment)
        SELECT * FROM campaign_steps WHERE campaign_id = camp.id
    ), due AS (
        SELECT s.*, ch.id AS appointment_id, ch.customer_id, ch.location_id, ch.starts_at, ch.timezone, ch.kind,
               step_due_at(ch.starts_at, ch.timezone, s.send_offset, s.local_time) AS due_at
        FROM camp_steps s CROSS JOIN change ch
        WHERE ch.status = 'booked'
    ), timed AS (
        SELECT d.*, plan_send_at(d.due_at, d.timezone, camp.send_window_start, camp.send_window_end,
                                 camp.window_policy) AS send_at
        FROM due d
    ), steps AS MATERIALIZED (
        SELECT t.*, plan_reason(t.due_at, t.starts_at, t.send_at) AS why FROM timed t
    ), cancelled AS (
        -- pending messages of cancelled appointments, or of the customer an appointment left.
        -- Driven from the changed appointments (LATERAL): the planner cannot size a CTE, and
        -- scanning the CTE once per message of the campaign costs seconds on large packets.
        UPDATE messages m SET status = 'cancelled', reason = t.why, updated_at = now()
        FROM (
            SELECT x.id, CASE WHEN ch.kind = 'cancelled' THEN 'appointment_cancelled'
                              ELSE 'appointment_reassigned' END AS why
            FROM change ch
            CROSS JOIN LATERAL (
                SELECT q.id FROM messages q
                WHERE q.campaign_id = camp.id AND q.appointment_id = ch.id
                  AND q.status IN ('scheduled', 'ready', 'retry') AND q.lease_owner IS NULL  -- in flight: left alone
                  AND (ch.kind = 'cancelled' OR q.customer_id <> ch.customer_id)
                OFFSET 0  -- a fence: kept as a per-appointment index lookup, not pulled up
            ) AS x
            WHERE ch.kind IN ('cancelled', 'moved')
        ) AS t
        WHERE m.id = t.id
        RETURNING m.id
    ), replanned AS (
        -- pending (or cancelled, now rebooked) messages of moved appointments get new times
        UPDATE messages m SET status = CASE WHEN t.why = '' THEN 'scheduled' ELSE 'suppressed' END,
               reason = t.why, send_at = t.send_at, location_id = t.location_id, updated_at = now()
        FROM (
            SELECT x.id, st.why, st.send_at, st.location_id
            FROM steps st
            CROSS JOIN LATERAL (
                SELECT q.id FROM messages q
                WHERE q.campaign_id = camp.id AND q.appointment_id = st.appointment_id
                  AND q.step = st.step AND q.customer_id = st.customer_id
                  AND ((q.status IN ('scheduled', 'ready', 'retry') AND q.lease_owner IS NULL)
                       OR (q.status = 'cancelled' AND q.reason = 'appointment_cancelled'))
                OFFSET 0
            ) AS x
            WHERE st.kind = 'moved'
        ) AS t
        WHERE m.id = t.id
        RETURNING m.id
    ), audience AS (
        -- the campaign's top N customers by score, when it has an audience (0010_audience.sql)
        SELECT s.customer_id FROM customer_scores s
        WHERE camp.audience_top_n IS NOT NULL AND s.account_id = pk.account_id AND s.kind = camp.kind
        ORDER BY CASE WHEN camp.audience_by = 'positive' THEN s.p_positive ELSE s.p_respond END DESC, s.customer_id
        LIMIT camp.audience_top_n
    ), created AS (
        INSERT INTO messages (account_id, campaign_id, packet_id, customer_id, appointment_id, step,
                              channel, status, reason, send_at, location_id)
        SELECT pk.account_id, camp.id, p_packet, st.customer_id, st.appointment_id, st.step, st.channel,
               CASE WHEN w.why = '' THEN 'scheduled' ELSE 'suppressed' END, w.why, st.send_at, st.location_id
        FROM steps st
        JOIN customers cu ON cu.id = st.customer_id
        LEFT JOIN audience au ON au.customer_id = st.customer_id
        CROSS JOIN LATERAL (SELECT CASE
                   WHEN st.channel = 'sms' AND cu.sms_opted_out_at IS NOT NULL THEN 'opted_out'
                   WHEN st.channel = 'email' AND cu.email_opted_out_at IS NOT NULL THEN 'opted_out'
                   WHEN st.channel = 'sms' AND cu.phone IS NULL THEN 'no_address'
                   WHEN st.channel = 'email' AND cu.email IS NULL THEN 'no_address'
                   WHEN camp.audience_top_n IS NOT NULL AND au.customer_id IS NULL THEN 'not_in_audience'
                   ELSE st.why END AS why) w
        WHERE st.kind IN ('new', 'moved')
        ON CONFLICT ON CONSTRAINT messages_once DO NOTHING
        RETURNING 1
    )
    SELECT (SELECT count(*) FROM change WHERE kind = 'new'),
           (SELECT count(*) FROM change WHERE kind = 'moved'),
           (SELECT count(*) FROM change WHERE kind = 'cancelled'),
           (SELECT count(*) FROM change WHERE kind = 'unchanged'),
           (SELECT count(*) FROM created)  -- cancelled and replanned run too: DML in WITH always does
    INTO n_new, n_moved, n_cancelled, n_unchanged, n_messages;

    UPDATE packets SET status = 'ready', ready_at = clock_timestamp(),
           appointments_new = n_new, appointments_moved = n_moved,
           appointments_cancelled = n_cancelled, appointments_unchanged = n_unchanged,
           messages_planned = n_messages
    WHERE id = p_packet;
    RETURN n_messages;
END
$$;

-- Mark a packet failed with the reason (after its load transaction was rolled back).
CREATE OR REPLACE FUNCTION fail_packet(p_packet bigint, p_reason text) RETURNS void
LANGUAGE sql AS $$
    UPDATE packets SET status = 'failed', failure_reason = left(p_reason, 1000), failed_at = now()
    WHERE id = p_packet AND status IN ('received', 'loaded', 'validated')
$$;

-- Packets whose load was interrupted (the loader died mid-transaction) are failed after `age`.
CREATE OR REPLACE FUNCTION fail_stale_packets(age interval) RETURNS integer
LANGUAGE sql AS $$
    WITH f AS (
        UPDATE packets SET status = 'failed', failed_at = now(),
               failure_reason = 'load interrupted: no rows were committed; submit the packet again'
        WHERE status = 'received' AND received_at < now() - age
        RETURNING 1
    ) SELECT count(*)::integer FROM f
$$;

-- Cancel a packet: its pending messages are cancelled; sent ones, and ones a worker holds
-- right now, stay as they are.
CREATE OR REPLACE FUNCTION cancel_packet(p_packet bigint) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    n integer;
BEGIN
    UPDATE packets SET status = 'cancelled', completed_at = now()
    WHERE id = p_packet AND status NOT IN ('completed', 'failed', 'cancelled');
    IF NOT FOUND THEN
        RETURN 0;
    END IF;
    UPDATE messages SET status = 'cancelled', reason = 'packet_cancelled', updated_at = now()
    WHERE packet_id = p_packet AND status IN ('scheduled', 'ready', 'retry') AND lease_owner IS NULL;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;

-- Advance open packets: ready -> dispatching once any message left 'scheduled';
-- -> completed once no message is pending. Reads the rollups only.
CREATE OR REPLACE FUNCTION refresh_packet_states() RETURNS integer
LANGUAGE sql AS $$
    WITH s AS (
        SELECT p.id, p.status,
               coalesce(sum(c.n) FILTER (WHERE c.status IN ('scheduled', 'ready', 'retry')), 0) AS pending,
               coalesce(sum(c.n) FILTER (WHERE c.status <> 'scheduled'), 0) AS moving
        FROM packets p LEFT JOIN packet_message_counts c ON c.packet_id = p.id
        WHERE p.status IN ('ready', 'dispatching')
        GROUP BY p.id, p.status
    ), u AS (
        UPDATE packets p SET
            status = CASE WHEN s.pending = 0 THEN 'completed' ELSE 'dispatching' END,
            dispatching_at = coalesce(p.dispatching_at, now()),
            completed_at = CASE WHEN s.pending = 0 THEN now() END
        FROM s
        WHERE p.id = s.id AND (s.pending = 0 OR (s.status = 'ready' AND s.moving > 0))
        RETURNING 1
    ) SELECT count(*)::integer FROM u
$$;
