-- 0022_email_changes: a user changes their sign-in email. The change is asked for after
-- re-authentication (password and a fresh second factor) and takes effect only when the link
-- mailed to the new address is opened: single-use, one hour, only the token's SHA-256 kept.
-- Like password_resets, the table is not granted to the API's role: it is reached only through
-- the SECURITY DEFINER functions of db/procedures/165_email_change.sql.

CREATE TABLE email_changes (
    token_hash text        PRIMARY KEY,
    user_id    bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    new_email  text        NOT NULL CHECK (new_email = lower(new_email) AND length(new_email) <= 254),
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL DEFAULT now() + interval '1 hour',
    used_at    timestamptz
);
CREATE INDEX email_changes_user_idx ON email_changes (user_id, created_at);
