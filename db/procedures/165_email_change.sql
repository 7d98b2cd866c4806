-- Changing a user's sign-in email (table: db/migrations/0022_email_changes.sql).
--
-- The request is made by the application after it re-authenticated the user. The answer to the
-- user is the same whether or not the new address already has a sign-in (no enumeration): the
-- new address is told either way, and the old address is told that a change was asked for.

CREATE OR REPLACE FUNCTION people_email_change_request(p_user bigint, p_new_email text,
                                                       p_token_hash text, p_link text)
RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
    u users;
    wanted text := lower(p_new_email);
BEGIN
    SELECT * INTO u FROM users WHERE id = p_user AND disabled_at IS NULL;
    IF u.id IS NULL OR (SELECT count(*) FROM email_changes
                        WHERE user_id = u.id AND created_at > now() - interval '1 hour') >= 3 THEN
        RETURN false;
    END IF;
    IF wanted = u.email THEN
        RETURN false;
    END IF;
    IF EXISTS (SELECT 1 FROM users WHERE email = wanted) THEN
        INSERT INTO staff_mail (account_id, recipient, subject, body)
        VALUES (NULL, wanted, 'Someone tried to use this address on reminderly',
                'Someone asked to move another reminderly sign-in to this address, which '
                'already has a sign-in. Nothing was changed.' || E'\n\n' ||
                'If it was you, sign in with this address instead.');
    ELSE
        INSERT INTO email_changes (token_hash, user_id, new_email)
        VALUES (p_token_hash, u.id, wanted);
        INSERT INTO staff_mail (account_id, recipient, subject, body)
        VALUES (NULL, wanted, 'Confirm your new reminderly sign-in email',
                'Someone asked to use this address to sign in to reminderly.' || E'\n\n' ||
                'Within an hour, open ' || p_link || E'\n' ||
                'to confirm it. If it was not you, ignore this message.');
    END IF;
    INSERT INTO staff_mail (account_id, recipient, subject, body)
    VALUES (NULL, u.email, 'Your reminderly sign-in email is being changed',
            'Someone signed in as you, confirmed your password and second factor, and asked to '
            'change the email you sign in with. It changes only when the link sent to the new '
            'address is opened.' || E'\n\n' ||
            'If it was not you, change your password and tell your account''s owner.');
    RETURN true;
END
$$;

-- Opens a confirmation link: the new email takes effect, every open change of the user is used
-- up, every session of the user ends (they sign in again with the new address) and the old
-- address is told. Returns the user, or nothing when the link is not usable or the address was
-- taken meanwhile.
CREATE OR REPLACE FUNCTION people_email_change_finish(p_token_hash text)
RETURNS TABLE (user_id bigint, old_email text, new_email text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
    c email_changes;
    previous text;
BEGIN
    UPDATE email_changes e SET used_at = now()
    WHERE e.token_hash = p_token_hash AND e.used_at IS NULL AND e.expires_at > now()
    RETURNING * INTO c;
    IF c.user_id IS NULL OR EXISTS (SELECT 1 FROM users u WHERE u.email = c.new_email) THEN
        RETURN;
    END IF;
    SELECT u.email INTO previous FROM users u WHERE u.id = c.user_id AND u.disabled_at IS NULL;
    IF previous IS NULL THEN
        RETURN;
    END IF;
    UPDATE email_changes e SET used_at = now() WHERE e.user_id = c.user_id AND e.used_at IS NULL;
    UPDATE users u SET email = c.new_email WHERE u.id = c.user_id;
    UPDATE dashboard_sessions s SET ended_at = now()
    WHERE s.user_id = c.user_id AND s.ended_at IS NULL;
    INSERT INTO staff_mail (account_id, recipient, subject, body)
    VALUES (NULL, previous, 'Your reminderly sign-in email was changed',
            'The email you sign in to reminderly with is now ' || c.new_email || '.' || E'\n\n' ||
            'If it was not you, tell your account''s owner at once.');
    RETURN QUERY SELECT c.user_id, previous, c.new_email;
END
$$;
