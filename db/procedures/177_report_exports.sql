-- CSV exports built in the background (0026_report_exports). The API's role may only read
-- report_exports; a request goes through report_export_request, which fixes the account to the
-- caller's and refuses a location outside the member's scope (a location-scoped member cannot
-- widen an export by editing a form or URL: the database refuses it too).

CREATE OR REPLACE FUNCTION report_export_request(p_campaign bigint, p_location bigint,
                                                 p_since timestamptz, p_until timestamptz,
                                                 p_user bigint, p_key bigint, p_expected bigint)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
    v_account bigint := app_account_id();
    v_id bigint;
BEGIN
    IF v_account IS NULL THEN
        RAISE EXCEPTION 'no account in this session' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF app_location_id() IS NOT NULL AND p_location IS DISTINCT FROM app_location_id() THEN
        RAISE EXCEPTION 'this member sees one location only' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NOT EXISTS (SELECT FROM campaigns WHERE id = p_campaign AND account_id = v_account) THEN
        RAISE EXCEPTION 'no such campaign' USING ERRCODE = 'no_data_found';
    END IF;
    IF p_location IS NOT NULL
       AND NOT EXISTS (SELECT FROM locations WHERE id = p_location AND account_id = v_account) THEN
        RAISE EXCEPTION 'no such location' USING ERRCODE = 'no_data_found';
    END IF;
    IF p_user IS NOT NULL
       AND NOT EXISTS (SELECT FROM memberships WHERE user_id = p_user AND account_id = v_account) THEN
        RAISE EXCEPTION 'not a member' USING ERRCODE = 'insufficient_privilege';
    END IF;
    INSERT INTO report_exports (account_id, campaign_id, location_id, since, until,
                                requested_user, requested_key, rows_expected)
    VALUES (v_account, p_campaign, p_location, p_since, p_until, p_user, p_key, p_expected)
    RETURNING id INTO v_id;
    RETURN v_id;
END
$$;
REVOKE ALL ON FUNCTION report_export_request(bigint, bigint, timestamptz, timestamptz, bigint, bigint, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION report_export_request(bigint, bigint, timestamptz, timestamptz, bigint, bigint, bigint) TO reminderly_api;

-- The oldest queued export, or one whose builder's lease ran out (it died: its transaction,
-- and so its chunks, rolled back); the third failed attempt fails the export for good.
CREATE OR REPLACE FUNCTION claim_report_export(p_owner text, p_lease interval)
RETURNS SETOF report_exports
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE report_exports SET state = 'failed', finished_at = now(), lease_owner = NULL,
           lease_until = NULL, error = 'the export was interrupted three times'
    WHERE state = 'running' AND lease_until < now() AND attempts >= 3;
    RETURN QUERY
    UPDATE report_exports e SET state = 'running', attempts = e.attempts + 1, lease_owner = p_owner,
           lease_until = now() + p_lease, started_at = now(), rows_written = 0, bytes = 0
    WHERE e.id = (SELECT x.id FROM report_exports x
                  WHERE x.state = 'queued' OR (x.state = 'running' AND x.lease_until < now())
                  ORDER BY x.id LIMIT 1 FOR UPDATE SKIP LOCKED)
    RETURNING e.*;
END
$$;

-- Done exports past their time lose their file and show as expired.
CREATE OR REPLACE FUNCTION expire_report_exports() RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    n integer;
BEGIN
    WITH gone AS (
        UPDATE report_exports SET state = 'expired'
        WHERE state = 'done' AND expires_at <= now()
        RETURNING id
    ), chunks AS (
        DELETE FROM report_export_chunks c USING gone WHERE c.export_id = gone.id
    )
    SELECT count(*) INTO n FROM gone;
    RETURN n;
END
$$;

-- Uploads by a member scoped to one location (validate_packet, 050_packets.sql): which of the
-- packet's customer or appointment ids already exist in the account outside the caller's
-- location. Row-level security hides those rows from the member, so without this their
-- upsert would fail the whole packet; with it, each such row is refused with its reason.
-- Answers only for the caller's own account and scope (nothing for an unscoped caller).
CREATE OR REPLACE FUNCTION scope_foreign_ids(p_kind text, p_ids text[]) RETURNS text[]
LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT AS $$
    SELECT coalesce(array_agg(x.external_id), '{}') FROM (
        SELECT c.external_id FROM customers c
        WHERE p_kind = 'customer' AND app_location_id() IS NOT NULL
          AND c.account_id = app_account_id() AND c.external_id = ANY (p_ids)
          AND NOT EXISTS (SELECT FROM appointments a
                          WHERE a.customer_id = c.id AND a.location_id = app_location_id())
        UNION ALL
        SELECT a.external_id FROM appointments a
        WHERE p_kind = 'appointment' AND app_location_id() IS NOT NULL
          AND a.account_id = app_account_id() AND a.external_id = ANY (p_ids)
          AND a.location_id IS DISTINCT FROM app_location_id()
    ) x
$$;
REVOKE ALL ON FUNCTION scope_foreign_ids(text, text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION scope_foreign_ids(text, text[]) TO reminderly_api;
