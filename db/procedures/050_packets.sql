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
    -- a failed load does not hold its key: the same key sent again loads anew
    UPDATE packets SET idempotency_key = NULL
    WHERE campaign_id = p_campaign AND idempotency_key = p_key AND status = 'failed';
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
    WHERE id = p_packet AND status IN ('received', 'loading')
    RETURNING rows_submitted INTO n;
    RETURN n;
END
$$;

-- Validate: normalise phones, emails, timezones and appointment times of the inbox rows and
-- write every row to packet_rows with its normalised values, or with every error it has
-- (`errors`, the first one also in error_column/error_reason). Rows are judged by what the
-- campaign uses: a cancellation needs only its ids; a column the campaign does not send on
-- (an email on an SMS campaign) is kept when valid and otherwise dropped with a warning.
-- Every booked row needs a visit time (appointment_at), whatever the kind; reminders also
-- need the business's appointment_id. Duplicates within the packet are rejected.
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
    n_warned integer;
    -- a member scoped to one location uploads for it only (0026): its external id, and the
    -- packet's customers and appointments that belong elsewhere (read past row-level security
    -- by scope_foreign_ids, which answers for the caller's own scope only)
    v_scope bigint := app_location_id();
    v_scope_ext text;
    v_foreign_customers text[] := '{}';
    v_foreign_appointments text[] := '{}';
BEGIN
    SELECT * INTO STRICT pk FROM packets WHERE id = p_packet FOR UPDATE;
    IF v_scope IS NOT NULL THEN
        SELECT external_id INTO v_scope_ext FROM locations WHERE id = v_scope;
        UPDATE pg_temp.packet_inbox SET location_id = v_scope_ext WHERE location_id IS NULL;
        v_foreign_customers := scope_foreign_ids('customer', ARRAY(SELECT DISTINCT customer_id FROM pg_temp.packet_inbox));
        v_foreign_appointments := scope_foreign_ids('appointment', ARRAY(SELECT DISTINCT appointment_id FROM pg_temp.packet_inbox));
    END IF;
    IF pk.status <> 'loaded' THEN
        RAISE EXCEPTION 'packet % is %, not loaded', p_packet, pk.status USING ERRCODE = 'check_violation';
    END IF;
    SELECT * INTO STRICT acct FROM accounts WHERE id = pk.account_id;
    SELECT * INTO STRICT camp FROM campaigns WHERE id = pk.campaign_id;
    needs_phone := camp.channel = 'sms' OR EXISTS (SELECT FROM campaign_steps s WHERE s.campaign_id = camp.id AND s.channel = 'sms');
    needs_email := camp.channel = 'email' OR EXISTS (SELECT FROM campaign_steps s WHERE s.campaign_id = camp.id AND s.channel = 'email');

    SELECT * INTO region FROM phone_regions WHERE phone_regions.region = acct.default_country;

    WITH norm AS MATERIALIZED (  -- materialised: each function runs once per row
        SELECT i.*,
               normalize_phone(i.phone, region) AS phone_ok,
               normalize_email(i.email) AS email_ok,
               lower(i.status) = 'cancelled' AS is_cancel,
               z.tz_name,
               tzn.name IS NOT NULL AS tz_ok,
               l.id IS NULL AND i.location_id IS NOT NULL AS location_unknown,
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
               array_remove(ARRAY[
                   CASE WHEN v_scope IS NULL THEN NULL
                        WHEN t.location_id IS DISTINCT FROM v_scope_ext
                            THEN 'location_id: ' || t.location_id || ' is not your location (you upload for ' || v_scope_ext || ' only)'
                        WHEN t.appointment_id = ANY (v_foreign_appointments)
                            THEN 'appointment_id: belongs to another location; only someone who sees every location may change it'
                        WHEN t.customer_id = ANY (v_foreign_customers)
                            THEN 'customer_id: is kept by another location; only someone who sees every location may change this customer' END,
                   CASE WHEN t.error_reason IS NOT NULL THEN t.error_column || ': ' || t.error_reason END,
                   CASE WHEN t.customer_id IS NULL THEN 'customer_id: is required'
                        WHEN length(t.customer_id) > 200 THEN 'customer_id: is longer than 200 characters' END,
                   CASE WHEN t.status IS NOT NULL AND lower(t.status) NOT IN ('booked', 'cancelled')
                        THEN 'status: must be booked or cancelled' END,
                   CASE WHEN t.is_cancel THEN NULL
                        WHEN needs_phone AND t.phone IS NULL THEN 'phone: is required for an sms campaign'
                        WHEN needs_phone AND t.phone_ok IS NULL
                            THEN 'phone: is not a valid phone number (default country ' || acct.default_country || ')' END,
                   CASE WHEN t.is_cancel THEN NULL
                        WHEN needs_email AND t.email IS NULL THEN 'email: is required for an email campaign'
                        WHEN needs_email AND t.email_ok IS NULL THEN 'email: is not a valid email address' END,
                   CASE WHEN t.is_cancel OR t.tz_ok THEN NULL
                        WHEN t.timezone IS NOT NULL THEN 'timezone: is not an IANA timezone name'
                        ELSE 'location_id: has a timezone that is not an IANA timezone name' END,
                   CASE WHEN t.is_cancel THEN NULL
                        WHEN t.appointment_at IS NULL
                            THEN 'appointment_at: is required for a ' || replace(camp.kind, '_', ' ') || ' campaign'
                        WHEN t.starts_at IS NULL AND t.tz_ok THEN 'appointment_at: is not an ISO 8601 date-time'
                        WHEN t.starts_at < now() - interval '1 year' OR t.starts_at > now() + interval '2 years'
                            THEN 'appointment_at: must be within a year before and two years after today' END,
                   CASE WHEN t.appointment_id IS NULL AND camp.kind = 'reminder'
                            THEN 'appointment_id: is required for a reminder campaign'
                        WHEN t.appointment_id IS NULL AND t.is_cancel AND t.starts_at IS NULL
                            THEN 'appointment_id: is required to cancel (or the visit''s appointment_at)'
                        WHEN length(t.appointment_id) > 200 THEN 'appointment_id: is longer than 200 characters' END
               ], NULL) AS errs,
               array_remove(ARRAY[
                   CASE WHEN t.phone IS NOT NULL AND t.phone_ok IS NULL AND (t.is_cancel OR NOT needs_phone)
                        THEN 'phone: dropped: not a valid phone number (default country ' || acct.default_country || ')' END,
                   CASE WHEN t.email IS NOT NULL AND t.email_ok IS NULL AND (t.is_cancel OR NOT needs_email)
                        THEN 'email: dropped: not a valid email address' END,
                   CASE WHEN t.is_cancel AND t.appointment_at IS NOT NULL AND t.starts_at IS NULL
                        THEN 'appointment_at: ignored: not an ISO 8601 date-time' END,
                   CASE WHEN t.location_unknown
                        THEN 'location_id: not defined for the account: the account''s defaults apply' END
               ], NULL) AS warns
        FROM norm t
    ), deduped AS (
        SELECT c.*,
               CASE WHEN c.errs = '{}' THEN
                   min(c.row_no) FILTER (WHERE c.errs = '{}') OVER (PARTITION BY c.appt_key)
               END AS first_row
        FROM checked c
    ), final AS (
        SELECT d.*,
               CASE WHEN d.first_row <> d.row_no
                    THEN ARRAY['appointment_id: duplicates row ' || d.first_row || ' of this packet']
                    ELSE d.errs END AS all_errs
        FROM deduped d
    ), ins AS (
        INSERT INTO packet_rows (packet_id, row_no, customer_id, first_name, last_name, phone, email,
                                 timezone, appointment_id, appointment_at, status, location_id, extra,
                                 phone_e164, email_norm, tz, starts_at, appointment_key,
                                 error_column, error_reason, errors, warnings)
        SELECT p_packet, f.row_no, f.customer_id, f.first_name, f.last_name, f.phone, f.email,
               f.timezone, f.appointment_id, f.appointment_at, lower(f.status), f.location_id, f.extra,
               f.phone_ok, f.email_ok, CASE WHEN f.tz_ok THEN f.tz_name ELSE acct.timezone END,
               f.starts_at,
               CASE WHEN f.all_errs = '{}' THEN f.appt_key END,
               split_part(f.all_errs[1], ': ', 1),
               nullif(substr(f.all_errs[1], length(split_part(f.all_errs[1], ': ', 1)) + 3), ''),
               nullif(f.all_errs, '{}'),
               CASE WHEN f.all_errs = '{}' THEN nullif(f.warns, '{}') END
        FROM final f
        RETURNING error_reason IS NULL AS ok, warnings IS NOT NULL AS warned
    )
    SELECT count(*) FILTER (WHERE ok), count(*) FILTER (WHERE NOT ok), count(*) FILTER (WHERE warned)
    INTO accepted, rejected, n_warned FROM ins;

    UPDATE packets SET status = 'validated', validated_at = clock_timestamp(),
           rows_accepted = accepted, rows_rejected = rejected, rows_warned = n_warned
    WHERE id = p_packet;
END
$$;

-- plan_packet's working set (per session, emptied at commit; like packet_inbox, usable by the
-- loading login and by reminderly_api whichever created them): what the packet did to each
-- appointment it touched, read by the statements that follow the upsert.
CREATE OR REPLACE FUNCTION create_plan_scratch() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF to_regclass('pg_temp.plan_change') IS NULL THEN
        -- what this packet did to each appointment it touched (new | moved | cancelled |
        -- unchanged | absent)
        CREATE TEMPORARY TABLE plan_change (
            appointment_id bigint NOT NULL,
            customer_id    bigint NOT NULL,
            location_id    bigint,
            starts_at      timestamptz NOT NULL,
            timezone       text NOT NULL,
            status         text NOT NULL,
            kind           text NOT NULL
        ) ON COMMIT DELETE ROWS;
        GRANT SELECT, INSERT, UPDATE, DELETE ON pg_temp.plan_change TO reminderly_api;
    END IF;
END
$$;

-- Messages still waiting to go out and not held by a worker right now: the ones a change
-- to their appointment may cancel or move.
CREATE OR REPLACE FUNCTION message_is_pending(status text, lease_owner text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT message_pending(status) AND lease_owner IS NULL
$$;

-- Plan a validated packet of campaign C:
-- 1. upsert its customers and appointments (account-wide, by the business's ids);
-- 2. a snapshot packet cancels the booked appointments of its scope it does not hold
--    ('absent'), unless that is more than the account's snapshot_cancel_limit of the scope
--    and the packet was not forced (then it raises SQLSTATE RM001 and nothing is kept);
-- 3. a cancelled or absent appointment cancels its pending messages in EVERY campaign of the
--    account; an appointment given to another customer cancels the old customer's;
-- 4. C plans one message per step for every booked appointment of the packet it has none
--    for yet (new to the account or not; idempotent on messages_once);
-- 5. a moved appointment replans its pending (and cancelled-by-cancellation, and too-late)
--    messages in every campaign that holds it, and those campaigns plan any step missing
--    for its current customer.
-- Send times: the step's due time in the recipient's zone, moved into the send window (the
-- location's override, else the campaign's); a reminder that could only go out after its
-- appointment is suppressed as too_late. Returns messages created.
CREATE OR REPLACE FUNCTION plan_packet(p_packet bigint) RETURNS integer
LANGUAGE plpgsql SET plan_cache_mode = force_custom_plan AS $$
DECLARE
    pk packets;
    acct accounts;
    camp campaigns;
    n_scope integer := 0;
    n_absent integer := 0;
    n_messages integer;
    v_first timestamptz;
    v_effects jsonb;
BEGIN
    SELECT * INTO STRICT pk FROM packets WHERE id = p_packet FOR UPDATE;
    IF pk.status <> 'validated' THEN
        RAISE EXCEPTION 'packet % is %, not validated', p_packet, pk.status USING ERRCODE = 'check_violation';
    END IF;
    SELECT * INTO STRICT acct FROM accounts WHERE id = pk.account_id;
    SELECT * INTO STRICT camp FROM campaigns WHERE id = pk.campaign_id;
    PERFORM create_plan_scratch();

    -- the snapshot's safety share, judged before anything changes
    IF pk.snapshot_from IS NOT NULL THEN
        SELECT count(*), count(*) FILTER (WHERE k.key IS NULL) INTO n_scope, n_absent
        FROM appointments a
        LEFT JOIN (SELECT DISTINCT coalesce(r.appointment_key, r.appointment_id) AS key
                   FROM packet_rows r WHERE r.packet_id = p_packet) k ON k.key = a.external_id
        WHERE a.account_id = pk.account_id AND a.status = 'booked'
          AND a.starts_at >= pk.snapshot_from AND a.starts_at < pk.snapshot_to
          AND (pk.snapshot_locations IS NULL OR a.location_id IN (
                SELECT l.id FROM locations l
                WHERE l.account_id = pk.account_id AND l.external_id = ANY (pk.snapshot_locations)));
        IF n_absent > acct.snapshot_cancel_limit * n_scope AND NOT pk.snapshot_force THEN
            RAISE EXCEPTION 'this snapshot would cancel % of the % booked appointments in its scope, more than the account''s limit of %; check the file, or send it again with force to cancel them',
                n_absent, n_scope, round(acct.snapshot_cancel_limit * 100) || '%'
                USING ERRCODE = 'RM001', DETAIL = json_build_object('absent', n_absent, 'scope', n_scope,
                                                                   'limit', acct.snapshot_cancel_limit)::text;
        END IF;
    END IF;

    INSERT INTO locations (account_id, external_id)
    SELECT DISTINCT pk.account_id, r.location_id FROM packet_rows r
    WHERE r.packet_id = p_packet AND r.error_reason IS NULL AND r.location_id IS NOT NULL
    ON CONFLICT (account_id, external_id) DO NOTHING;

    WITH src AS (
        -- each detail of a customer from the last accepted row that has it (a cancellation
        -- row without a phone must not hide the phone of the same customer's booking)
        SELECT r.customer_id,
               (array_agg(r.first_name ORDER BY r.row_no DESC) FILTER (WHERE r.first_name IS NOT NULL))[1] AS first_name,
               (array_agg(r.last_name ORDER BY r.row_no DESC) FILTER (WHERE r.last_name IS NOT NULL))[1] AS last_name,
               (array_agg(r.phone_e164 ORDER BY r.row_no DESC) FILTER (WHERE r.phone_e164 IS NOT NULL))[1] AS phone_e164,
               (array_agg(r.email_norm ORDER BY r.row_no DESC) FILTER (WHERE r.email_norm IS NOT NULL))[1] AS email_norm,
               (array_agg(r.timezone ORDER BY r.row_no DESC) FILTER (WHERE r.timezone IS NOT NULL))[1] AS timezone
        FROM packet_rows r
        WHERE r.packet_id = p_packet AND r.error_reason IS NULL
        GROUP BY r.customer_id
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

    -- appointments: a cancellation changes only the status (a row that cancels needs no
    -- time, and its appointment keeps the one it had)
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
            customer_id = CASE WHEN excluded.status = 'cancelled' THEN a.customer_id ELSE excluded.customer_id END,
            location_id = CASE WHEN excluded.status = 'cancelled' THEN a.location_id ELSE excluded.location_id END,
            starts_at = CASE WHEN excluded.status = 'cancelled' THEN a.starts_at ELSE excluded.starts_at END,
            timezone = CASE WHEN excluded.status = 'cancelled' THEN a.timezone ELSE excluded.timezone END,
            merge_fields = CASE WHEN excluded.status = 'cancelled' THEN a.merge_fields ELSE excluded.merge_fields END,
            status = excluded.status, last_packet_id = excluded.last_packet_id, updated_at = now()
        RETURNING a.id, a.customer_id, a.location_id, a.starts_at, a.timezone, a.status, a.last_change
    )
    INSERT INTO plan_change SELECT * FROM change;

    IF pk.snapshot_from IS NOT NULL AND n_absent > 0 THEN
        WITH gone AS (
            UPDATE appointments a SET status = 'cancelled', last_change = 'absent',
                   last_packet_id = p_packet, updated_at = now()
            WHERE a.account_id = pk.account_id AND a.status = 'booked'
              AND a.starts_at >= pk.snapshot_from AND a.starts_at < pk.snapshot_to
              AND (pk.snapshot_locations IS NULL OR a.location_id IN (
                    SELECT l.id FROM locations l
                    WHERE l.account_id = pk.account_id AND l.external_id = ANY (pk.snapshot_locations)))
              AND NOT EXISTS (SELECT FROM plan_change ch WHERE ch.appointment_id = a.id)
              AND NOT EXISTS (SELECT FROM packet_rows r WHERE r.packet_id = p_packet
                              AND r.appointment_id = a.external_id)  -- a rejected row still names it
            RETURNING a.id, a.customer_id, a.location_id, a.starts_at, a.timezone, a.status, a.last_change
        )
        INSERT INTO plan_change SELECT * FROM gone;
    END IF;

    -- 3, 4 and 5 in one statement (its data-modifying parts touch disjoint rows: pending
    -- messages of cancelled, absent or reassigned appointments; messages of the current
    -- customer of moved ones; messages that do not exist yet)
    WITH changed AS MATERIALIZED (  -- the few appointments whose change reaches other campaigns
        SELECT * FROM plan_change WHERE kind IN ('cancelled', 'absent', 'moved')
    ), holders AS MATERIALIZED (
        -- which campaigns of the account hold each of them: driven from the changed rows (an
        -- account may have thousands of campaigns), one messages_once probe per pair
        SELECT ch.appointment_id, ac.id AS campaign_id
        FROM changed ch
        CROSS JOIN LATERAL (SELECT c.id FROM campaigns c
                            WHERE c.account_id = pk.account_id AND c.status <> 'archived'
                            OFFSET 0) AS ac
        CROSS JOIN LATERAL (SELECT 1 FROM messages q
                            WHERE q.campaign_id = ac.id AND q.appointment_id = ch.appointment_id
                            LIMIT 1) AS held
    ), cancelled AS (
        -- driven from the changed appointments (LATERAL): the planner cannot size them, and
        -- scanning them once per message of the campaign would cost seconds on large packets
        UPDATE messages m SET status = 'cancelled', reason = t.why, updated_at = now()
        FROM (
            SELECT x.id, CASE ch.kind WHEN 'cancelled' THEN 'appointment_cancelled'
                                      WHEN 'absent' THEN 'absent_from_snapshot'
                                      ELSE 'appointment_reassigned' END AS why
            FROM changed ch
            JOIN holders h ON h.appointment_id = ch.appointment_id
            CROSS JOIN LATERAL (
                SELECT q.id FROM messages q
                WHERE q.campaign_id = h.campaign_id AND q.appointment_id = ch.appointment_id
                  AND message_is_pending(q.status, q.lease_owner)  -- in flight: left alone
                  AND (ch.kind IN ('cancelled', 'absent') OR q.customer_id <> ch.customer_id)
                OFFSET 0  -- a fence: kept as a per-appointment index lookup, not pulled up
            ) AS x
        ) AS t
        WHERE m.id = t.id
        RETURNING m.campaign_id
    ), targets AS (
        -- this packet's campaign: every booked appointment of the packet
        SELECT camp.id AS campaign_id, ch.* FROM plan_change ch WHERE ch.status = 'booked'
        UNION ALL
        -- the other campaigns holding a moved appointment
        SELECT h.campaign_id, ch.*
        FROM changed ch JOIN holders h ON h.appointment_id = ch.appointment_id
        WHERE ch.kind = 'moved' AND ch.status = 'booked' AND h.campaign_id <> camp.id
    ), planned_campaigns AS MATERIALIZED (  -- the few campaigns this packet plans in
        SELECT c.* FROM campaigns c WHERE c.id IN (SELECT DISTINCT campaign_id FROM targets)
    ), due AS (
        SELECT t.*, s.step, s.channel, x.window_policy,
               coalesce(lo.send_window_start, x.send_window_start) AS win_start,
               coalesce(lo.send_window_end, x.send_window_end) AS win_end,
               step_due_at(t.starts_at, t.timezone, s.send_offset, s.local_time) AS due_at
        FROM targets t
        JOIN planned_campaigns x ON x.id = t.campaign_id
        JOIN campaign_steps s ON s.campaign_id = t.campaign_id
        LEFT JOIN locations lo ON lo.id = t.location_id
    ), timed AS (
        SELECT d.*, plan_send_at(d.due_at, d.timezone, d.win_start, d.win_end, d.window_policy) AS send_at
        FROM due d
    ), steps AS MATERIALIZED (
        SELECT t.*, w.why
        FROM timed t
        -- one customers probe per row (a fence: a hash join would scan every customer)
        CROSS JOIN LATERAL (SELECT CASE  -- consent may have changed since a replanned one was planned
                   WHEN t.channel = 'sms' AND cu.sms_opted_out_at IS NOT NULL THEN 'opted_out'
                   WHEN t.channel = 'email' AND cu.email_opted_out_at IS NOT NULL THEN 'opted_out'
                   WHEN t.channel = 'sms' AND cu.phone IS NULL THEN 'no_address'
                   WHEN t.channel = 'email' AND cu.email IS NULL THEN 'no_address'
                   ELSE plan_reason(t.due_at, t.starts_at, t.send_at) END AS why
                   FROM customers cu WHERE cu.id = t.customer_id OFFSET 0) w
    ), replanned AS (
        -- 5. pending (or cancelled by a cancellation, or too late) messages of moved
        -- appointments get new times
        UPDATE messages m SET status = CASE WHEN t.why = '' THEN 'scheduled' ELSE 'suppressed' END,
               reason = t.why, send_at = t.send_at, location_id = t.location_id, updated_at = now()
        FROM (
            SELECT x.id, st.why, st.send_at, st.location_id
            FROM steps st
            CROSS JOIN LATERAL (
                SELECT q.id FROM messages q
                WHERE q.campaign_id = st.campaign_id AND q.appointment_id = st.appointment_id
                  AND q.step = st.step AND q.customer_id = st.customer_id
                  AND (message_is_pending(q.status, q.lease_owner)
                       OR (q.status = 'cancelled' AND q.reason IN ('appointment_cancelled', 'absent_from_snapshot'))
                       OR (q.status = 'suppressed' AND q.reason = 'too_late'))
                OFFSET 0
            ) AS x
            WHERE st.kind = 'moved'
        ) AS t
        WHERE m.id = t.id
        RETURNING m.campaign_id, m.status, m.send_at
    ), audience AS (
        -- each campaign's top N customers by score, when it has an audience (0010_audience.sql)
        SELECT x.id AS campaign_id, top.customer_id
        FROM planned_campaigns x
        CROSS JOIN LATERAL (
            SELECT s.customer_id FROM customer_scores s
            WHERE s.account_id = pk.account_id AND s.kind = x.kind
            ORDER BY CASE WHEN x.audience_by = 'positive' THEN s.p_positive ELSE s.p_respond END DESC, s.customer_id
            LIMIT x.audience_top_n
        ) AS top
        WHERE x.audience_top_n IS NOT NULL
    ), created AS (
        -- 4. the messages each campaign does not have yet (idempotent on messages_once)
        INSERT INTO messages (account_id, campaign_id, packet_id, customer_id, appointment_id, step,
                              channel, status, reason, send_at, location_id)
        SELECT pk.account_id, st.campaign_id, p_packet, st.customer_id, st.appointment_id, st.step, st.channel,
               CASE WHEN w.why = '' THEN 'scheduled' ELSE 'suppressed' END, w.why, st.send_at, st.location_id
        FROM steps st
        JOIN planned_campaigns x ON x.id = st.campaign_id
        LEFT JOIN audience au ON au.campaign_id = st.campaign_id AND au.customer_id = st.customer_id
        CROSS JOIN LATERAL (SELECT CASE
                   WHEN st.why = '' AND x.audience_top_n IS NOT NULL AND au.customer_id IS NULL THEN 'not_in_audience'
                   ELSE st.why END AS why) w
        ON CONFLICT ON CONSTRAINT messages_once DO NOTHING
        RETURNING campaign_id, status, send_at
    ), effect AS (  -- cancelled and replanned run too: DML in WITH always does
        SELECT campaign_id, 'cancelled' AS effect, NULL::timestamptz AS send_at FROM cancelled
        UNION ALL SELECT campaign_id, 'replanned', CASE WHEN status = 'scheduled' THEN send_at END FROM replanned
        UNION ALL SELECT campaign_id, CASE WHEN status = 'scheduled' THEN 'planned' ELSE 'suppressed' END,
                         CASE WHEN status = 'scheduled' THEN send_at END FROM created
    ), per AS (
        SELECT jsonb_build_object(
                   'campaign_id', campaign_id,
                   'planned', count(*) FILTER (WHERE effect = 'planned'),
                   'suppressed', count(*) FILTER (WHERE effect = 'suppressed'),
                   'replanned', count(*) FILTER (WHERE effect = 'replanned'),
                   'cancelled', count(*) FILTER (WHERE effect = 'cancelled'),
                   'first_send_at', min(send_at)) AS e,
               count(*) FILTER (WHERE effect IN ('planned', 'suppressed')) AS n_created,
               min(send_at) AS first_at
        FROM effect GROUP BY campaign_id
    )
    SELECT coalesce(sum(n_created), 0), min(first_at),
           coalesce(jsonb_agg(e ORDER BY (e ->> 'campaign_id')::bigint), '[]')
    INTO n_messages, v_first, v_effects
    FROM per;

    UPDATE packets p SET status = 'ready', ready_at = clock_timestamp(),
           appointments_new = k.new, appointments_moved = k.moved, appointments_cancelled = k.cancelled,
           appointments_unchanged = k.unchanged, appointments_absent = k.absent,
           messages_planned = n_messages, first_send_at = v_first, effects = v_effects
    FROM (SELECT count(*) FILTER (WHERE kind = 'new') AS new,
                 count(*) FILTER (WHERE kind = 'moved') AS moved,
                 count(*) FILTER (WHERE kind = 'cancelled') AS cancelled,
                 count(*) FILTER (WHERE kind = 'unchanged') AS unchanged,
                 count(*) FILTER (WHERE kind = 'absent') AS absent
          FROM plan_change) AS k
    WHERE p.id = p_packet;
    RETURN n_messages;
END
$$;

-- Mark a packet failed with the reason (after its load transaction was rolled back).
CREATE OR REPLACE FUNCTION fail_packet(p_packet bigint, p_reason text) RETURNS void
LANGUAGE sql AS $$
    WITH failed AS (
        UPDATE packets SET status = 'failed', failure_reason = left(p_reason, 1000), failed_at = now(),
               load_owner = NULL, load_lease_expires_at = NULL
        WHERE id = p_packet AND status IN ('receiving', 'loading', 'received', 'loaded', 'validated')
        RETURNING id
    )
    DELETE FROM packet_uploads u USING failed f WHERE u.packet_id = f.id
$$;

-- Packets whose load was interrupted are failed: a synchronous load whose process died
-- mid-transaction (still 'received' after `age`), or a background load whose worker's lease
-- ran out. Nothing of them was committed; their stored upload is dropped.
CREATE OR REPLACE FUNCTION fail_stale_packets(age interval) RETURNS integer
LANGUAGE sql AS $$
    WITH f AS (
        UPDATE packets SET status = 'failed', failed_at = now(), load_owner = NULL,
               load_lease_expires_at = NULL,
               failure_reason = 'load interrupted: no rows were committed; submit the packet again (the same Idempotency-Key may be used)'
        WHERE id IN (SELECT q.id FROM packets q  -- a load still running holds its row: skipped
                     WHERE (q.status = 'received' AND q.received_at < now() - age)
                        OR (q.status = 'loading' AND q.load_lease_expires_at < now())
                     FOR UPDATE SKIP LOCKED)
        RETURNING id
    ), d AS (
        DELETE FROM packet_uploads u USING f WHERE u.packet_id = f.id
    ) SELECT count(*)::integer FROM f
$$;

-- A worker takes the oldest stored upload to load in the background, under a lease it
-- renews while it reads (renew_packet_load, which also records the rows read so far).
CREATE OR REPLACE FUNCTION claim_packet_load(p_owner text, p_lease interval)
RETURNS TABLE (packet_id bigint, campaign_id bigint, content_type text)
LANGUAGE sql AS $$
    UPDATE packets p SET status = 'loading', load_owner = p_owner,
           load_lease_expires_at = clock_timestamp() + p_lease
    FROM (SELECT q.id FROM packets q WHERE q.status = 'receiving'
          ORDER BY q.id FOR UPDATE SKIP LOCKED LIMIT 1) AS next
    WHERE p.id = next.id
    RETURNING p.id, p.campaign_id, p.content_type
$$;

CREATE OR REPLACE FUNCTION renew_packet_load(p_packet bigint, p_owner text, p_lease interval,
                                             p_rows bigint) RETURNS boolean
LANGUAGE sql AS $$
    WITH u AS (
        UPDATE packets SET load_lease_expires_at = clock_timestamp() + p_lease, rows_read = p_rows
        WHERE id = p_packet AND status = 'loading' AND load_owner = p_owner
        RETURNING 1
    ) SELECT EXISTS (SELECT FROM u)
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
    WHERE packet_id = p_packet AND message_pending(status) AND lease_owner IS NULL;
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
               coalesce(sum(c.n) FILTER (WHERE message_pending(c.status)), 0) AS pending,
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
