-- The dispatch queue: messages move scheduled -> ready -> (leased) -> sent, or back through
-- retry with exponential backoff, or to dead after the campaign's max_attempts. A claimed
-- message is a ready message with a lease (lease_owner, lease_expires_at), like a queue's
-- visibility timeout: claiming writes no index and moves no rollup counter.

-- Make due messages ready ("move messages in data packets or mark them as ready"): scheduled
-- or retry messages of active campaigns whose send_at has come. A reminder whose appointment
-- has already started (the workers were down) is suppressed instead. Returns how many moved.
CREATE OR REPLACE FUNCTION mark_ready(p_limit integer DEFAULT 10000) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    n integer;
    answered integer;
BEGIN
    WITH due AS (
        SELECT m.id, (cs.send_offset < interval '0' AND a.starts_at <= now()) AS passed
        FROM messages m
        JOIN campaigns c ON c.id = m.campaign_id
        JOIN campaign_steps cs ON cs.campaign_id = m.campaign_id AND cs.step = m.step
        JOIN appointments a ON a.id = m.appointment_id
        WHERE m.status IN ('scheduled', 'retry') AND m.send_at <= now() AND c.status = 'active'
        ORDER BY m.send_at
        LIMIT p_limit
        FOR UPDATE OF m SKIP LOCKED
    )
    UPDATE messages m SET status = CASE WHEN due.passed THEN 'suppressed' ELSE 'ready' END,
           reason = CASE WHEN due.passed THEN 'appointment_passed' ELSE '' END, updated_at = now()
    FROM due WHERE m.id = due.id;
    GET DIAGNOSTICS n = ROW_COUNT;
    -- the inbox's answers (campaign 0, 0024_inbox_answers.sql): no campaign to be active and
    -- no appointment to pass; scheduled for their send window, or retrying
    WITH due AS (
        SELECT q.id FROM messages q
        WHERE q.campaign_id = 0 AND q.status IN ('scheduled', 'retry') AND q.send_at <= now()
        ORDER BY q.send_at LIMIT p_limit
        FOR UPDATE SKIP LOCKED
    )
    UPDATE messages m SET status = 'ready', reason = '', updated_at = now()
    FROM due WHERE m.id = due.id;
    GET DIAGNOSTICS answered = ROW_COUNT;
    RETURN n + answered;
END
$$;

-- Claim up to p_limit ready, unleased messages for worker p_worker with a lease of p_lease:
-- concurrent workers skip each other's rows (FOR UPDATE SKIP LOCKED); attempts counts every
-- claim. Leased rows stay in the queue index and are stepped over (at most workers x batch).
DROP FUNCTION IF EXISTS claim_batch(text, integer, interval);
CREATE OR REPLACE FUNCTION claim_batch(p_worker text, p_limit integer, p_lease interval)
RETURNS TABLE (id bigint, account_id bigint, campaign_id bigint, packet_id bigint, customer_id bigint,
               appointment_id bigint, step smallint, channel text, attempts smallint)
-- plpgsql with custom plans: planned with the real LIMIT, the queue index is walked for a
-- few rows; a generic plan (an SQL function's) sorts every ready row on each claim.
-- Nothing of a paused scope is claimed (sending_pauses: all, or one channel).
-- A claim changes only lease columns: no rollup, hourly count or event can come of it, so it
-- runs with reminderly.lease_only on, and the UPDATE triggers of messages are not called
-- (their WHEN clause). Only updates that change no status, reason, campaign, packet, location
-- or sent_at may set it, for their own statement only.
LANGUAGE plpgsql SET plan_cache_mode = force_custom_plan AS $$
DECLARE
    paused text[] := ARRAY(SELECT scope FROM sending_pauses);
BEGIN
    IF 'all' = ANY(paused) THEN
        RETURN;
    END IF;
    PERFORM set_config('reminderly.lease_only', 'on', true);
    RETURN QUERY
    WITH c AS (
        SELECT q.id FROM messages q
        WHERE q.status = 'ready' AND q.lease_owner IS NULL
          AND (cardinality(paused) = 0 OR q.channel <> ALL(paused))
        ORDER BY q.send_at
        LIMIT p_limit
        FOR UPDATE SKIP LOCKED
    )
    UPDATE messages m SET attempts = m.attempts + 1, lease_owner = p_worker,
           lease_expires_at = now() + p_lease, updated_at = now()
    FROM c WHERE m.id = c.id
    RETURNING m.id, m.account_id, m.campaign_id, m.packet_id, m.customer_id, m.appointment_id,
              m.step, m.channel, m.attempts;
    PERFORM set_config('reminderly.lease_only', '', true);
END
$$;

-- Record messages sent by p_worker, with the provider's ids and (SMS) the segments billed.
-- Only messages still leased to that worker change (a lease that expired and was reclaimed is
-- not the worker's any more); returns their ids.
DROP FUNCTION IF EXISTS complete_messages(text, bigint[], text[]);
CREATE OR REPLACE FUNCTION complete_messages(p_worker text, p_ids bigint[],
                                             p_provider_ids text[] DEFAULT NULL,
                                             p_segments smallint[] DEFAULT NULL)
RETURNS SETOF bigint
LANGUAGE sql AS $$
    UPDATE messages m SET status = 'sent', sent_at = now(), lease_owner = NULL,
           lease_expires_at = NULL, last_error = NULL, updated_at = now(), send_started_at = NULL,
           provider_message_id = x.provider_id, segments = x.segments
    FROM unnest(p_ids,
                coalesce(p_provider_ids, array_fill(NULL::text, array[cardinality(p_ids)])),
                coalesce(p_segments, array_fill(NULL::smallint, array[cardinality(p_ids)])))
         AS x(id, provider_id, segments)
    WHERE m.id = x.id AND m.status = 'ready' AND m.lease_owner = p_worker
    RETURNING m.id
$$;

-- Record failed sends by p_worker. Permanent errors fail at once; transient ones retry after
-- retry_base * 2^(attempts-1) (capped at retry_max, with +-20% jitter) until the campaign's
-- max_attempts, then the message is dead. An inbox answer (campaign 0, no campaigns row) has
-- the answers' own: 5 attempts, from 30 seconds up to 10 minutes apart. Returns each
-- message's new status.
CREATE OR REPLACE FUNCTION fail_messages(p_worker text, p_ids bigint[], p_errors text[],
                                         p_permanent boolean[])
RETURNS TABLE (id bigint, status text, send_at timestamptz)
LANGUAGE sql AS $$
    UPDATE messages m SET
        status = CASE WHEN x.permanent THEN 'failed'
                      WHEN m.attempts >= x.max_attempts THEN 'dead'
                      ELSE 'retry' END,
        send_at = CASE WHEN x.permanent OR m.attempts >= x.max_attempts THEN m.send_at
                       ELSE now() + least(x.retry_max, x.retry_base * power(2, m.attempts - 1))
                                    * (0.8 + 0.4 * random()) END,
        last_error = left(x.error, 1000), lease_owner = NULL, lease_expires_at = NULL, updated_at = now(),
        send_started_at = NULL  -- the provider answered: a retry cannot duplicate
    FROM (SELECT f.id, f.error, f.permanent,
                 coalesce(c.max_attempts, 5) AS max_attempts,
                 coalesce(c.retry_base, interval '30 seconds') AS retry_base,
                 coalesce(c.retry_max, interval '10 minutes') AS retry_max
          FROM unnest(p_ids, p_errors, p_permanent) AS f(id, error, permanent)
          JOIN messages q ON q.id = f.id
          LEFT JOIN campaigns c ON c.id = q.campaign_id) AS x
    WHERE m.id = x.id AND m.status = 'ready' AND m.lease_owner = p_worker
    RETURNING m.id, m.status, m.send_at
$$;

-- Leases that expired (their worker died or stalled): released, so the message is ready
-- again, or dead when the attempts are spent (an inbox answer: 5, as in fail_messages). A
-- message whose worker had started the provider call (send_started_at) may have been
-- delivered: it is failed as send_outcome_unknown and never sent again (the reconciliation
-- rule: at most once). Returns how many were reclaimed.
CREATE OR REPLACE FUNCTION reclaim_expired_leases() RETURNS integer
LANGUAGE sql AS $$
    WITH r AS (
        UPDATE messages m SET
            status = CASE WHEN m.send_started_at IS NOT NULL THEN 'failed'
                          WHEN m.attempts >= coalesce((SELECT c.max_attempts FROM campaigns c
                                                       WHERE c.id = m.campaign_id), 5)
                          THEN 'dead' ELSE 'ready' END,
            reason = CASE WHEN m.send_started_at IS NOT NULL THEN 'send_outcome_unknown' ELSE m.reason END,
            last_error = 'lease expired (worker ' || m.lease_owner || ')',
            lease_owner = NULL, lease_expires_at = NULL, updated_at = now()
        WHERE m.status = 'ready' AND m.lease_owner IS NOT NULL AND m.lease_expires_at < now()
        RETURNING 1
    ) SELECT count(*)::integer FROM r
$$;

-- The advisory-lock class that serialises sends to a customer with changes of their consent:
-- a worker holds (class, customer) while it calls the provider; record_consent waits for it.
CREATE OR REPLACE FUNCTION customer_lock_key(p_customer bigint) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT (p_customer % 2147483647)::integer $$;

-- Just before the provider call: the message must still be leased to p_worker and ready, its
-- customer reachable on its channel, and under the campaign's frequency cap. Then
-- send_started_at is set and committed, so a crash from here on can never lead to a second
-- send. Returns 'send', or why not: 'lost_lease', 'opted_out' or 'frequency_cap' (the message
-- is suppressed now).
CREATE OR REPLACE FUNCTION begin_send(p_worker text, p_message bigint) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    m messages;
    opted boolean;
    camp campaigns;
BEGIN
    SELECT * INTO m FROM messages WHERE id = p_message FOR UPDATE;
    IF NOT FOUND OR m.status <> 'ready' OR m.lease_owner IS DISTINCT FROM p_worker THEN
        RETURN 'lost_lease';
    END IF;
    SELECT CASE m.channel WHEN 'sms' THEN c.sms_opted_out_at IS NOT NULL ELSE c.email_opted_out_at IS NOT NULL END
    INTO opted FROM customers c WHERE c.id = m.customer_id;
    IF opted THEN
        UPDATE messages SET status = 'suppressed', reason = 'opted_out', lease_owner = NULL,
               lease_expires_at = NULL, updated_at = now()
        WHERE id = p_message;
        RETURN 'opted_out';
    END IF;
    SELECT * INTO camp FROM campaigns WHERE id = m.campaign_id;
    -- the cap counts sends already made and sends under way (their marker set: earlier in
    -- this batch, or by a worker that died mid-call); other workers wait on the customer's
    -- send lock, so they see this one's outcome committed
    IF camp.frequency_cap IS NOT NULL AND EXISTS (
        SELECT 1 FROM messages p JOIN campaigns pc ON pc.id = p.campaign_id
        WHERE p.customer_id = m.customer_id AND p.id <> m.id AND pc.kind = camp.kind
          AND ((p.status IN ('sent', 'delivered') AND p.sent_at > now() - camp.frequency_cap)
               OR (p.status = 'ready' AND p.send_started_at IS NOT NULL)))
    THEN
        UPDATE messages SET status = 'suppressed', reason = 'frequency_cap', lease_owner = NULL,
               lease_expires_at = NULL, updated_at = now()
        WHERE id = p_message;
        RETURN 'frequency_cap';
    END IF;
    -- the marker alone: lease-only for the triggers (see claim_batch)
    PERFORM set_config('reminderly.lease_only', 'on', true);
    UPDATE messages SET send_started_at = now() WHERE id = p_message;
    PERFORM set_config('reminderly.lease_only', '', true);
    RETURN 'send';
END
$$;

-- Give back leases a stopping worker will not use (SIGTERM): its unsent messages are ready
-- for others at once, their attempt not counted. Returns how many.
CREATE OR REPLACE FUNCTION release_leases(p_worker text, p_ids bigint[]) RETURNS integer
LANGUAGE sql AS $$
    WITH r AS (
        UPDATE messages SET lease_owner = NULL, lease_expires_at = NULL, attempts = greatest(attempts - 1, 0),
               updated_at = now()
        WHERE id = ANY(p_ids) AND lease_owner = p_worker AND status = 'ready' AND send_started_at IS NULL
        RETURNING 1
    ) SELECT count(*)::integer FROM r
$$;

-- begin_send for a batch, in one round trip and one commit: each message's verdict.
CREATE OR REPLACE FUNCTION begin_send_many(p_worker text, p_ids bigint[])
RETURNS TABLE (id bigint, verdict text)
LANGUAGE plpgsql AS $$
DECLARE
    m bigint;
BEGIN
    FOREACH m IN ARRAY p_ids LOOP
        id := m;
        verdict := begin_send(p_worker, m);
        RETURN NEXT;
    END LOOP;
END
$$;

-- A stopping worker did not call the provider for these after all: clear their send markers
-- and give the leases back (their attempt not counted). Returns how many.
CREATE OR REPLACE FUNCTION abandon_sends(p_worker text, p_ids bigint[]) RETURNS integer
LANGUAGE sql AS $$
    WITH r AS (
        UPDATE messages SET send_started_at = NULL, lease_owner = NULL, lease_expires_at = NULL,
               attempts = greatest(attempts - 1, 0), updated_at = now()
        WHERE id = ANY(p_ids) AND lease_owner = p_worker AND status = 'ready'
        RETURNING 1
    ) SELECT count(*)::integer FROM r
$$;
