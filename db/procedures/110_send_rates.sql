-- Shared send rates (token buckets in send_rate_limits).

-- Set a bucket's rate and size (a worker does this on start; the last one wins, so all the
-- workers of a deployment should be given the same settings). Tokens already there are kept.
CREATE OR REPLACE FUNCTION configure_send_rate(p_key text, p_rate double precision, p_burst double precision)
RETURNS void
LANGUAGE sql AS $$
    INSERT INTO send_rate_limits AS s (key, rate, burst, tokens) VALUES (p_key, p_rate, p_burst, p_burst)
    ON CONFLICT (key) DO UPDATE SET rate = excluded.rate, burst = excluded.burst,
                                    tokens = least(s.tokens, excluded.burst);
$$;

-- Take up to p_wanted tokens: refill by the time passed, grant the whole tokens there are,
-- and say how long until the next one. The row lock makes concurrent takers queue for the
-- few microseconds of the update, never over-grant.
CREATE OR REPLACE FUNCTION take_send_tokens(p_key text, p_wanted integer,
                                            OUT granted integer, OUT wait_seconds double precision)
LANGUAGE plpgsql AS $$
DECLARE
    b send_rate_limits;
    now_ts timestamptz;
    available double precision;
BEGIN
    SELECT * INTO b FROM send_rate_limits WHERE key = p_key FOR UPDATE;
    -- the time is read once the row is ours: read before, a taker that waited for the lock
    -- would move updated_at back and the next taker would be granted that time twice
    now_ts := greatest(clock_timestamp(), b.updated_at);
    IF NOT FOUND THEN
        granted := p_wanted;  -- no limit configured for this sender
        wait_seconds := 0;
        RETURN;
    END IF;
    available := least(b.burst, b.tokens + b.rate * extract(epoch FROM now_ts - b.updated_at));
    granted := least(p_wanted, floor(available))::integer;
    UPDATE send_rate_limits SET tokens = available - granted, updated_at = now_ts WHERE key = p_key;
    wait_seconds := CASE WHEN available - granted >= 1 THEN 0 ELSE (1 - (available - granted)) / b.rate END;
END
$$;
