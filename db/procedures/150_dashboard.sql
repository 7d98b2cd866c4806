-- Dashboard sessions (0015_dashboard_sessions.sql), through SECURITY DEFINER functions: the
-- API's role reads and writes no session table directly, it can only start a session for the
-- key it just authenticated, follow its own session id, and end it.

CREATE OR REPLACE FUNCTION dashboard_session_start(p_id text, p_key bigint) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path FROM CURRENT AS $$
    INSERT INTO dashboard_sessions (id, key_id) VALUES (p_id, p_key)
$$;

-- The session's key while the session lives: not ended, at most 8 hours old, idle at most an
-- hour (each call keeps it alive). Each call is also a request against the key's per-minute
-- limit, counted in the same window as the API's (a session is no way around it).
DROP FUNCTION IF EXISTS dashboard_session_key(text);
CREATE OR REPLACE FUNCTION dashboard_session_key(p_id text)
RETURNS TABLE (key_id bigint, window_count integer, rate_limit integer, retry_after integer)
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
#variable_conflict use_column
DECLARE
    w timestamptz := date_trunc('minute', now());
BEGIN
    UPDATE dashboard_sessions s SET last_seen_at = now()
    WHERE s.id = p_id AND s.ended_at IS NULL AND s.created_at > now() - interval '8 hours'
      AND s.last_seen_at > now() - interval '1 hour'
    RETURNING s.key_id INTO key_id;
    IF key_id IS NULL THEN
        RETURN;
    END IF;
    INSERT INTO api_rate_windows AS r (key_id, window_start, n) VALUES (key_id, w, 1)
    ON CONFLICT (key_id, window_start) DO UPDATE SET n = r.n + 1
    RETURNING r.n INTO window_count;
    SELECT k.rate_limit_per_minute INTO rate_limit FROM api_keys k WHERE k.id = key_id;
    retry_after := greatest(1, ceil(extract(epoch FROM w + interval '1 minute' - clock_timestamp())))::integer;
    RETURN NEXT;
END
$$;

CREATE OR REPLACE FUNCTION dashboard_session_end(p_id text) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path FROM CURRENT AS $$
    UPDATE dashboard_sessions SET ended_at = now() WHERE id = p_id AND ended_at IS NULL
$$;
