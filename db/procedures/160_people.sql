-- People (0020_people.sql): the narrow doors through which the API's role reaches the identity
-- tables. Each function does one thing; none returns another user's secrets. Password and
-- TOTP checks happen in the application (argon2id, pyotp); these functions store and fetch.

-- Sign-in: the user's hash and second-factor state by email (NULL row: no such user).
CREATE OR REPLACE FUNCTION people_sign_in_lookup(p_email text)
RETURNS TABLE (user_id bigint, password_hash text, totp_secret text, totp_confirmed boolean,
               disabled boolean)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT AS $$
    SELECT u.id, u.password_hash, u.totp_secret, u.totp_confirmed_at IS NOT NULL,
           u.disabled_at IS NOT NULL
    FROM users u WHERE u.email = lower(p_email)
$$;

-- Failed sign-ins in the last 15 minutes for this (email, address): the throttle's count.
CREATE OR REPLACE FUNCTION people_recent_failures(p_email_hash text, p_address text)
RETURNS integer
LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT AS $$
    SELECT count(*)::integer FROM sign_in_failures
    WHERE email_hash = p_email_hash AND address = p_address AND at > now() - interval '15 minutes'
$$;

CREATE OR REPLACE FUNCTION people_record_failure(p_email_hash text, p_address text)
RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path FROM CURRENT AS $$
    DELETE FROM sign_in_failures WHERE at < now() - interval '1 day';
    INSERT INTO sign_in_failures (email_hash, address) VALUES (p_email_hash, p_address);
$$;

CREATE OR REPLACE FUNCTION people_clear_failures(p_email_hash text, p_address text)
RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path FROM CURRENT AS $$
    DELETE FROM sign_in_failures WHERE email_hash = p_email_hash AND address = p_address
$$;

-- The accounts a user may enter, with the role held in each.
DROP FUNCTION IF EXISTS people_memberships(bigint);
CREATE OR REPLACE FUNCTION people_memberships(p_user bigint)
RETURNS TABLE (account_id bigint, account_name text, role member_role, location_id bigint,
               sign_in_method text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT AS $$
    SELECT m.account_id, a.name, m.role, m.location_id, a.sign_in_method
    FROM memberships m JOIN accounts a ON a.id = m.account_id
    WHERE m.user_id = p_user ORDER BY a.name, m.account_id
$$;

-- A new server-side session for a user in one account where they are a member; the second
-- factor is still to do (mfa_at NULL), so the session opens nothing but the MFA pages yet.
-- An account that requires single sign-on takes only sessions begun through it (p_sso).
DROP FUNCTION IF EXISTS people_session_start(text, bigint, bigint, text, text);
CREATE OR REPLACE FUNCTION people_session_start(p_id text, p_user bigint, p_account bigint,
                                                p_address text, p_agent text,
                                                p_sso boolean DEFAULT false)
RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
    IF NOT EXISTS (SELECT FROM memberships m JOIN users u ON u.id = m.user_id
                   JOIN accounts a ON a.id = m.account_id
                   WHERE m.user_id = p_user AND m.account_id = p_account
                     AND u.disabled_at IS NULL
                     AND (p_sso OR a.sign_in_method = 'password')) THEN
        RETURN false;
    END IF;
    INSERT INTO dashboard_sessions (id, user_id, account_id, address, user_agent, sso)
    VALUES (p_id, p_user, p_account, p_address, left(p_agent, 300), p_sso);
    RETURN true;
END
$$;

-- The live session's user, account and role: not ended, at most 8 hours old, idle at most
-- 30 minutes (each call keeps it alive), the user enabled and still a member, and begun
-- through SSO if the account now requires it.
DROP FUNCTION IF EXISTS people_session(text);
CREATE OR REPLACE FUNCTION people_session(p_id text)
RETURNS TABLE (user_id bigint, account_id bigint, account_name text, role member_role,
               location_id bigint, email text, display_name text, mfa_done boolean,
               totp_confirmed boolean, started_at timestamptz, via_sso boolean)
LANGUAGE sql SECURITY DEFINER SET search_path FROM CURRENT AS $$
    WITH live AS (
        UPDATE dashboard_sessions s SET last_seen_at = now()
        WHERE s.id = p_id AND s.user_id IS NOT NULL AND s.ended_at IS NULL
          AND s.created_at > now() - interval '8 hours'
          AND s.last_seen_at > now() - interval '30 minutes'
        RETURNING s.user_id, s.account_id, s.mfa_at, s.created_at, s.sso
    )
    SELECT u.id, m.account_id, a.name, m.role, m.location_id, u.email, u.display_name,
           live.mfa_at IS NOT NULL, u.totp_confirmed_at IS NOT NULL, live.created_at, live.sso
    FROM live
    JOIN users u ON u.id = live.user_id AND u.disabled_at IS NULL
    JOIN memberships m ON m.user_id = live.user_id AND m.account_id = live.account_id
    JOIN accounts a ON a.id = m.account_id AND (live.sso OR a.sign_in_method = 'password')
$$;

CREATE OR REPLACE FUNCTION people_session_mfa_done(p_id text) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path FROM CURRENT AS $$
    UPDATE dashboard_sessions SET mfa_at = now() WHERE id = p_id AND ended_at IS NULL
$$;

-- One's own live sessions (the sessions page), and ending one of them.
CREATE OR REPLACE FUNCTION people_sessions_of(p_user bigint)
RETURNS TABLE (id_hint text, account_name text, address text, user_agent text,
               created_at timestamptz, last_seen_at timestamptz, session_id text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT AS $$
    SELECT left(encode(sha256(s.id::bytea), 'hex'), 12), a.name, s.address, s.user_agent,
           s.created_at, s.last_seen_at, encode(sha256(s.id::bytea), 'hex')
    FROM dashboard_sessions s JOIN accounts a ON a.id = s.account_id
    WHERE s.user_id = p_user AND s.ended_at IS NULL AND s.created_at > now() - interval '8 hours'
      AND s.last_seen_at > now() - interval '30 minutes'
    ORDER BY s.created_at DESC
$$;

-- Ends one of the user's sessions, named by the SHA-256 of its id (the page never shows ids).
CREATE OR REPLACE FUNCTION people_session_end_own(p_user bigint, p_id_hash text) RETURNS integer
LANGUAGE sql SECURITY DEFINER SET search_path FROM CURRENT AS $$
    WITH ended AS (
        UPDATE dashboard_sessions SET ended_at = now()
        WHERE user_id = p_user AND ended_at IS NULL AND encode(sha256(id::bytea), 'hex') = p_id_hash
        RETURNING 1
    )
    SELECT count(*)::integer FROM ended
$$;

-- Ends every session of a user in the caller's account (removed from it, or disabled there).
CREATE OR REPLACE FUNCTION people_end_sessions_in_account(p_user bigint) RETURNS integer
LANGUAGE sql SECURITY DEFINER SET search_path FROM CURRENT AS $$
    WITH ended AS (
        UPDATE dashboard_sessions SET ended_at = now()
        WHERE user_id = p_user AND account_id = app_account_id() AND ended_at IS NULL
        RETURNING 1
    )
    SELECT count(*)::integer FROM ended
$$;

-- TOTP: store a new (encrypted) secret while not yet confirmed; confirm it; accept a code's
-- time step only if it is newer than the last accepted one (a code works once).
CREATE OR REPLACE FUNCTION people_set_pending_totp(p_user bigint, p_secret text) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path FROM CURRENT AS $$
    UPDATE users SET totp_secret = p_secret WHERE id = p_user AND totp_confirmed_at IS NULL
$$;

CREATE OR REPLACE FUNCTION people_accept_totp_step(p_user bigint, p_step bigint, p_confirm boolean)
RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
    UPDATE users SET totp_last_step = p_step,
                     totp_confirmed_at = CASE WHEN p_confirm THEN coalesce(totp_confirmed_at, now())
                                              ELSE totp_confirmed_at END
    WHERE id = p_user AND (totp_last_step IS NULL OR totp_last_step < p_step);
    RETURN FOUND;
END
$$;

CREATE OR REPLACE FUNCTION people_set_recovery_codes(p_user bigint, p_hashes text[]) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path FROM CURRENT AS $$
    DELETE FROM user_recovery_codes WHERE user_id = p_user;
    INSERT INTO user_recovery_codes (user_id, code_hash) SELECT p_user, unnest(p_hashes);
$$;

CREATE OR REPLACE FUNCTION people_use_recovery_code(p_user bigint, p_hash text) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
    UPDATE user_recovery_codes SET used_at = now()
    WHERE user_id = p_user AND code_hash = p_hash AND used_at IS NULL;
    RETURN FOUND;
END
$$;

CREATE OR REPLACE FUNCTION people_set_password(p_user bigint, p_hash text) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path FROM CURRENT AS $$
    UPDATE users SET password_hash = p_hash WHERE id = p_user
$$;

-- Accepting an invitation (token hash): a new user gets the password; an existing user keeps
-- theirs and gains the membership. Single use, refused once expired or cancelled.
CREATE OR REPLACE FUNCTION people_accept_invitation(p_token_hash text, p_password_hash text,
                                                    p_display_name text)
RETURNS TABLE (user_id bigint, account_id bigint, new_user boolean)
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
#variable_conflict use_column
DECLARE
    inv invitations;
BEGIN
    UPDATE invitations i SET accepted_at = now()
    WHERE i.token_hash = p_token_hash AND i.accepted_at IS NULL AND i.cancelled_at IS NULL
      AND i.expires_at > now()
    RETURNING i.* INTO inv;
    IF inv.id IS NULL THEN
        RETURN;
    END IF;
    SELECT u.id INTO user_id FROM users u WHERE u.email = inv.email;
    new_user := user_id IS NULL;
    IF new_user THEN
        INSERT INTO users (email, display_name, password_hash)
        VALUES (inv.email, coalesce(p_display_name, ''), p_password_hash)
        RETURNING id INTO user_id;
    END IF;
    INSERT INTO memberships (account_id, user_id, role, location_id)
    VALUES (inv.account_id, user_id, inv.role, inv.location_id)
    ON CONFLICT (account_id, user_id) DO UPDATE SET role = excluded.role,
                                                    location_id = excluded.location_id;
    account_id := inv.account_id;
    RETURN NEXT;
END
$$;

-- The invitation a token names, for the acceptance page (no secrets).
CREATE OR REPLACE FUNCTION people_invitation_of(p_token_hash text)
RETURNS TABLE (email text, account_name text, role member_role, existing_user boolean)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT AS $$
    SELECT i.email, a.name, i.role, EXISTS (SELECT FROM users u WHERE u.email = i.email)
    FROM invitations i JOIN accounts a ON a.id = i.account_id
    WHERE i.token_hash = p_token_hash AND i.accepted_at IS NULL AND i.cancelled_at IS NULL
      AND i.expires_at > now()
$$;

-- The members of the caller's account with their emails (users are not granted directly).
CREATE OR REPLACE FUNCTION people_members()
RETURNS TABLE (user_id bigint, email text, display_name text, role member_role,
               location_id bigint, mfa boolean, created_at timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT AS $$
    SELECT u.id, u.email, u.display_name, m.role, m.location_id, u.totp_confirmed_at IS NOT NULL,
           m.created_at
    FROM memberships m JOIN users u ON u.id = m.user_id
    WHERE m.account_id = app_account_id() ORDER BY m.created_at, u.id
$$;

-- An account keeps at least one owner: removing or demoting the last one is refused.
CREATE OR REPLACE FUNCTION memberships_keep_an_owner() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
    IF OLD.role = 'owner' AND (TG_OP = 'DELETE' OR NEW.role <> 'owner')
       AND NOT EXISTS (SELECT FROM memberships m WHERE m.account_id = OLD.account_id
                       AND m.role = 'owner' AND m.user_id <> OLD.user_id) THEN
        RAISE EXCEPTION 'an account keeps at least one owner' USING ERRCODE = 'check_violation',
            CONSTRAINT = 'memberships_last_owner';
    END IF;
    RETURN coalesce(NEW, OLD);
END
$$;
DROP TRIGGER IF EXISTS memberships_keep_an_owner ON memberships;
CREATE TRIGGER memberships_keep_an_owner BEFORE UPDATE OR DELETE ON memberships
    FOR EACH ROW EXECUTE FUNCTION memberships_keep_an_owner();

-- The audit log is append-only: UPDATE is refused to everyone, DELETE to everyone but the
-- retention purge below (which sets a transaction-local flag and runs as the table's owner:
-- anyone may set the flag, only the owner's purge passes).
CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('reminderly.audit_purge', true) = 'on'
       AND current_user = (SELECT r.rolname FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner
                           WHERE c.oid = TG_RELID) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'the audit log is append-only' USING ERRCODE = 'insufficient_privilege';
END
$$;
DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();

CREATE OR REPLACE FUNCTION audit_log_purge() RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
    n bigint;
BEGIN
    PERFORM set_config('reminderly.audit_purge', 'on', true);
    DELETE FROM audit_log l USING accounts a
    WHERE a.id = l.account_id AND l.at < now() - make_interval(days => a.audit_retention_days);
    GET DIAGNOSTICS n = ROW_COUNT;
    PERFORM set_config('reminderly.audit_purge', 'off', true);
    RETURN n;
END
$$;

-- Sign-ins and their failures are recorded in every account the user belongs to (the user has
-- not chosen one yet); for an unknown email, once with no account (operators only).
CREATE OR REPLACE FUNCTION audit_sign_in(p_user bigint, p_action text, p_address text,
                                         p_request_id text)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
    INSERT INTO audit_log (account_id, actor_user, action, address, request_id)
    SELECT m.account_id, p_user, p_action, p_address, p_request_id
    FROM memberships m WHERE m.user_id = p_user;
    IF NOT FOUND THEN
        INSERT INTO audit_log (account_id, actor_user, action, address, request_id)
        VALUES (NULL, p_user, p_action, p_address, p_request_id);
    END IF;
END
$$;

-- A password reset for an email: mailed only when the user exists and has fewer than three
-- resets in the last hour; the caller answers the same either way (no account enumeration).
CREATE OR REPLACE FUNCTION people_reset_request(p_email text, p_token_hash text, p_link text)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
    u users;
BEGIN
    SELECT * INTO u FROM users WHERE email = lower(p_email) AND disabled_at IS NULL
                                 AND password_hash IS NOT NULL;
    IF u.id IS NULL OR (SELECT count(*) FROM password_resets
                        WHERE user_id = u.id AND created_at > now() - interval '1 hour') >= 3 THEN
        RETURN;
    END IF;
    INSERT INTO password_resets (token_hash, user_id) VALUES (p_token_hash, u.id);
    INSERT INTO staff_mail (account_id, recipient, subject, body)
    VALUES (NULL, u.email, 'Reset your reminderly password',
            'Someone asked to reset the password of this reminderly sign-in.' || E'\n\n' ||
            'Within an hour, open ' || p_link || E'\n' ||
            'You will need your authenticator app (or a recovery code) as well.' || E'\n\n' ||
            'If it was not you, ignore this message: your password stays as it is.');
END
$$;

-- The reset a token names while it is usable: the user's email (for the second factor).
CREATE OR REPLACE FUNCTION people_reset_of(p_token_hash text)
RETURNS TABLE (user_id bigint, email text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT AS $$
    SELECT u.id, u.email FROM password_resets r JOIN users u ON u.id = r.user_id
    WHERE r.token_hash = p_token_hash AND r.used_at IS NULL AND r.expires_at > now()
      AND u.disabled_at IS NULL
$$;

-- Completes a reset (after the application checked the second factor): the new password,
-- the token and every other open reset used up, and every session of the user ended.
CREATE OR REPLACE FUNCTION people_reset_finish(p_token_hash text, p_password_hash text)
RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
    uid bigint;
BEGIN
    UPDATE password_resets SET used_at = now()
    WHERE token_hash = p_token_hash AND used_at IS NULL AND expires_at > now()
    RETURNING user_id INTO uid;
    IF uid IS NULL THEN
        RETURN false;
    END IF;
    UPDATE password_resets SET used_at = now() WHERE user_id = uid AND used_at IS NULL;
    UPDATE users SET password_hash = p_password_hash WHERE id = uid;
    UPDATE dashboard_sessions SET ended_at = now() WHERE user_id = uid AND ended_at IS NULL;
    RETURN true;
END
$$;

-- Security keys: a user's credentials (ids and public keys only), adding one, and recording a
-- use (the counter must move forward unless the authenticator keeps none: 0 stays 0).
CREATE OR REPLACE FUNCTION people_security_keys(p_user bigint)
RETURNS TABLE (credential_id bytea, public_key bytea, sign_count bigint, name text,
               created_at timestamptz, last_used_at timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT AS $$
    SELECT credential_id, public_key, sign_count, name, created_at, last_used_at
    FROM webauthn_credentials WHERE user_id = p_user ORDER BY created_at
$$;

CREATE OR REPLACE FUNCTION people_add_security_key(p_user bigint, p_id bytea, p_key bytea,
                                                   p_count bigint, p_name text)
RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path FROM CURRENT AS $$
    INSERT INTO webauthn_credentials (credential_id, user_id, public_key, sign_count, name)
    VALUES (p_id, p_user, p_key, p_count, p_name)
$$;

-- Removing one of the user's own keys (after the application re-authenticated them).
CREATE OR REPLACE FUNCTION people_remove_security_key(p_user bigint, p_id bytea)
RETURNS text
LANGUAGE sql SECURITY DEFINER SET search_path FROM CURRENT AS $$
    DELETE FROM webauthn_credentials WHERE user_id = p_user AND credential_id = p_id
    RETURNING name
$$;

CREATE OR REPLACE FUNCTION people_use_security_key(p_user bigint, p_id bytea, p_count bigint)
RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
    UPDATE webauthn_credentials SET sign_count = p_count, last_used_at = now()
    WHERE user_id = p_user AND credential_id = p_id
      AND (p_count > sign_count OR (p_count = 0 AND sign_count = 0));
    RETURN FOUND;
END
$$;

-- SSO: the user an identity provider's (issuer, subject) names; on the first arrival, link it
-- to the enabled user with that (provider-verified) email. NULL: nobody to sign in.
CREATE OR REPLACE FUNCTION people_sso_user(p_issuer text, p_subject text, p_email text)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
    uid bigint;
BEGIN
    SELECT i.user_id INTO uid FROM user_identities i JOIN users u ON u.id = i.user_id
    WHERE i.issuer = p_issuer AND i.subject = p_subject AND u.disabled_at IS NULL;
    IF uid IS NOT NULL OR p_email IS NULL THEN
        RETURN uid;
    END IF;
    SELECT id INTO uid FROM users WHERE email = lower(p_email) AND disabled_at IS NULL;
    IF uid IS NOT NULL THEN
        INSERT INTO user_identities (issuer, subject, user_id) VALUES (p_issuer, p_subject, uid)
        ON CONFLICT DO NOTHING;
    END IF;
    RETURN uid;
END
$$;

-- The account's settings as the console shows them (every member may read): its name,
-- country and timezone, how long the audit log keeps entries, and its SMS sender identity
-- (its own origination and numbers, or none: the platform's shared one).
DROP FUNCTION IF EXISTS account_settings();
CREATE OR REPLACE FUNCTION account_settings()
RETURNS TABLE (name text, default_country text, timezone text, audit_retention_days integer,
               sign_in_method text, sms_origination text, sms_numbers text[])
LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT AS $$
    SELECT a.name, a.default_country, a.timezone, a.audit_retention_days, a.sign_in_method,
           a.sms_origination,
           ARRAY(SELECT s.number FROM sms_sender_numbers s WHERE s.account_id = a.id
                 ORDER BY s.number)
    FROM accounts a WHERE a.id = app_account_id()
$$;

-- How long the audit log keeps entries (30 to 3650 days, the column's check): owners and
-- admins only (manage_settings in app_service/people/permissions.py); keys may not. Returns
-- the previous value, for the audit entry.
CREATE OR REPLACE FUNCTION account_set_audit_retention(p_days integer) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
    previous integer;
BEGIN
    IF coalesce(app_role(), '') NOT IN ('owner', 'admin') THEN
        RAISE EXCEPTION 'only an owner or an admin may change the account''s settings'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    SELECT audit_retention_days INTO previous FROM accounts WHERE id = app_account_id() FOR UPDATE;
    UPDATE accounts SET audit_retention_days = p_days WHERE id = app_account_id();
    RETURN previous;
END
$$;

-- Whether the account's members sign in with password + second factor or only through the
-- stage's single sign-on: owners and admins only; keys may not. Requiring SSO ends the
-- password sessions in the account at once (people_session stops opening them). Returns the
-- previous value, for the audit entry.
CREATE OR REPLACE FUNCTION account_set_sign_in_method(p_method text) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
    previous text;
BEGIN
    IF coalesce(app_role(), '') NOT IN ('owner', 'admin') THEN
        RAISE EXCEPTION 'only an owner or an admin may change the account''s settings'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    SELECT sign_in_method INTO previous FROM accounts WHERE id = app_account_id() FOR UPDATE;
    UPDATE accounts SET sign_in_method = p_method WHERE id = app_account_id();
    RETURN previous;
END
$$;
