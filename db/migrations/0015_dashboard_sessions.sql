-- 0015_dashboard_sessions: dashboard sign-ins as server-side sessions, so signing out (or
-- revoking the key) ends a session at once; a replayed cookie of an ended session opens
-- nothing. The cookie carries only the session's random id (signed).
CREATE TABLE dashboard_sessions (
    id           text        PRIMARY KEY CHECK (length(id) BETWEEN 32 AND 128),
    key_id       bigint      NOT NULL REFERENCES api_keys (id),
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    ended_at     timestamptz
);
CREATE INDEX dashboard_sessions_key_idx ON dashboard_sessions (key_id) WHERE ended_at IS NULL;
