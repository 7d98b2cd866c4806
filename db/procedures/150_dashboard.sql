-- Dashboard sessions (0015_dashboard_sessions.sql), through SECURITY DEFINER functions: the
-- API's role reads and writes no session table directly, it can only start a session for the
-- key it just authenticated, follow its own session id, and end it.

CREATE OR REPLACE FUNCTION dashboard_session_start(p_id text, p_key bigint) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path FROM CURRENT AS $$
    INSERT INTO dashboard_sessions (id, key_id) VALUES (p_id, p_key)
$$;

-- The session's key while the session lives: not ended, at most 8 hours old, idle at most an
-- hour (each call keeps it alive).
CREATE OR REPLACE FUNCTION dashboard_session_key(p_id text) RETURNS bigint
LANGUAGE sql SECURITY DEFINER SET search_path FROM CURRENT AS $$
    UPDATE dashboard_sessions SET last_seen_at = now()
    WHERE id = p_id AND ended_at IS NULL AND created_at > now() - interval '8 hours'
      AND last_seen_at > now() - interval '1 hour'
    RETURNING key_id
$$;

CREATE OR REPLACE FUNCTION dashboard_session_end(p_id text) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path FROM CURRENT AS $$
    UPDATE dashboard_sessions SET ended_at = now() WHERE id = p_id AND ended_at IS NULL
$$;
