-- Operations: pausing sending, replaying dead messages, draining a worker, the queue's state.

-- Put dead messages (retries spent) back in the queue: attempts start again and they are due
-- now; the opt-out and frequency-cap checks still run before each send. Filtered by campaign,
-- by when they died, and by their last error (a substring). With p_dry_run nothing changes;
-- both return how many messages match. Archived campaigns' messages are not touched.
CREATE OR REPLACE FUNCTION replay_dead(p_campaign bigint, p_since timestamptz, p_error text,
                                       p_dry_run boolean)
RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    n integer;
BEGIN
    IF p_dry_run THEN
        SELECT count(*) INTO n FROM messages m JOIN campaigns c ON c.id = m.campaign_id
        WHERE m.status = 'dead' AND c.status <> 'archived'
          AND (p_campaign IS NULL OR m.campaign_id = p_campaign)
          AND (p_since IS NULL OR m.updated_at >= p_since)
          AND (p_error IS NULL OR m.last_error ILIKE '%' || p_error || '%');
        RETURN n;
    END IF;
    UPDATE messages m SET status = 'retry', attempts = 0, send_at = now(), reason = '', updated_at = now()
    FROM campaigns c
    WHERE c.id = m.campaign_id AND m.status = 'dead' AND c.status <> 'archived'
      AND (p_campaign IS NULL OR m.campaign_id = p_campaign)
      AND (p_since IS NULL OR m.updated_at >= p_since)
      AND (p_error IS NULL OR m.last_error ILIKE '%' || p_error || '%');
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;

-- How many workers beat in the last minute, and what sending is paused: platform facts, no
-- tenant data; owner-run, so the API's role (the dashboard) may ask without reading the tables.
CREATE OR REPLACE FUNCTION workers_alive() RETURNS bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT AS $$
    SELECT count(*) FROM worker_heartbeats WHERE state <> 'stopped' AND beat_at > now() - interval '1 minute';
$$;

-- The operator's reason is not returned: it may name a tenant, and every tenant's dashboard
-- shows this list (the reason is for on-call, in `reminderly ops`).
DROP FUNCTION IF EXISTS sending_pause_list();
CREATE FUNCTION sending_pause_list(OUT scope text, OUT paused_at timestamptz)
RETURNS SETOF record
LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT AS $$
    SELECT scope, paused_at FROM sending_pauses ORDER BY scope;
$$;

-- The numbers on-call looks at first (run by the API's role, it counts that tenant's messages).
CREATE OR REPLACE FUNCTION queue_health(OUT oldest_ready_seconds double precision, OUT ready bigint,
                                        OUT leased bigint, OUT expired_leases bigint, OUT dead bigint,
                                        OUT retrying bigint, OUT workers_alive bigint)
LANGUAGE sql STABLE AS $$
    SELECT coalesce(extract(epoch FROM now() - min(send_at) FILTER (WHERE status = 'ready' AND lease_owner IS NULL)), 0),
           count(*) FILTER (WHERE status = 'ready' AND lease_owner IS NULL),
           count(*) FILTER (WHERE lease_owner IS NOT NULL),
           count(*) FILTER (WHERE lease_expires_at < now()),
           (SELECT coalesce(sum(n), 0) FROM campaign_message_counts WHERE status = 'dead'),
           count(*) FILTER (WHERE status = 'retry'),
           workers_alive()
    FROM messages WHERE status IN ('ready', 'retry');
$$;
