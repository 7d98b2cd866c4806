-- The HTTP API's bookkeeping: key authentication with its rate window, idempotency expiry.

-- Authenticate an API key by its prefix and the SHA-256 of the whole key, count the request in
-- the key's current one-minute window, and switch the session to the key's tenant (role
-- reminderly_api, reminderly.account_id), in one round trip. Runs as the service's own login
-- (the key decides the account); the pool resets role and account when the connection comes
-- back. Returns no row, and switches nothing, for an unknown, wrong or revoked key.
-- last_used_at moves at most once a minute so a busy key does not rewrite its row each time.
CREATE OR REPLACE FUNCTION api_authenticate(p_prefix text, p_hash bytea)
RETURNS TABLE (key_id bigint, account_id bigint, scopes text[], rate_limit integer,
               window_count integer, retry_after integer)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    k api_keys;
    w timestamptz := date_trunc('minute', now());
BEGIN
    SELECT * INTO k FROM api_keys WHERE prefix = p_prefix;
    IF NOT FOUND OR k.revoked_at IS NOT NULL OR k.secret_hash <> p_hash THEN
        RETURN;
    END IF;
    INSERT INTO api_rate_windows AS r (key_id, window_start, n) VALUES (k.id, w, 1)
    ON CONFLICT (key_id, window_start) DO UPDATE SET n = r.n + 1
    RETURNING r.n INTO window_count;
    IF k.last_used_at IS NULL OR k.last_used_at < now() - interval '1 minute' THEN
        UPDATE api_keys SET last_used_at = now() WHERE id = k.id;
    END IF;
    key_id := k.id;
    account_id := k.account_id;
    scopes := k.scopes;
    rate_limit := k.rate_limit_per_minute;
    retry_after := greatest(1, ceil(extract(epoch FROM w + interval '1 minute' - clock_timestamp())))::integer;
    PERFORM set_config('reminderly.account_id', k.account_id::text, false);
    PERFORM set_config('role', 'reminderly_api', false);
    RETURN NEXT;
END
$$;

-- Drop idempotency records older than their 24-hour promise and rate windows (per key, per
-- address) gone by.
CREATE OR REPLACE FUNCTION purge_api_bookkeeping() RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    n integer;
BEGIN
    DELETE FROM idempotency_keys WHERE created_at < now() - interval '24 hours';
    GET DIAGNOSTICS n = ROW_COUNT;
    DELETE FROM api_rate_windows WHERE window_start < now() - interval '2 minutes';
    DELETE FROM api_address_windows WHERE window_start < now() - interval '2 minutes';
    RETURN n;
END
$$;

-- Count one event (a request without a key, a failed sign-in) for an address in the current
-- one-minute window, shared by every API process; the window's count and the seconds until
-- it ends. The window is the database's clock, so all processes agree on it. SECURITY
-- DEFINER: a failed re-authentication inside a member's request (tenant role) counts too.
CREATE OR REPLACE FUNCTION api_address_hit(p_bucket text, p_address text)
RETURNS TABLE (window_count integer, retry_after integer)
LANGUAGE sql SECURITY DEFINER SET search_path FROM CURRENT AS $$
    INSERT INTO api_address_windows AS w (bucket, address, window_start, n)
    VALUES (p_bucket, p_address, date_trunc('minute', now()), 1)
    ON CONFLICT (bucket, address, window_start) DO UPDATE SET n = w.n + 1
    RETURNING w.n,
        greatest(1, ceil(extract(epoch FROM w.window_start + interval '1 minute'
                                              - clock_timestamp())))::integer;
$$;

-- The current window's count for an address, counting nothing (0 when it has none).
CREATE OR REPLACE FUNCTION api_address_count(p_bucket text, p_address text)
RETURNS TABLE (window_count integer, retry_after integer)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT AS $$
    SELECT coalesce(max(n), 0),
        greatest(1, ceil(extract(epoch FROM date_trunc('minute', now()) + interval '1 minute'
                                              - clock_timestamp())))::integer
    FROM api_address_windows
    WHERE bucket = p_bucket AND address = p_address AND window_start = date_trunc('minute', now());
$$;
