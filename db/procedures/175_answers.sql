-- The inbox's answers (0024_inbox_answers.sql): a member's text to a customer, queued as a
-- message of no campaign (campaign 0) that the worker sends like any other.

-- The account's own number the customer last wrote to (the reply records it: record_reply's
-- p_to), or NULL: the answer then goes from the account's origination or the shared one.
-- SECURITY DEFINER: members do not read the sender table (operators set it); it answers for
-- the caller's account only.
CREATE OR REPLACE FUNCTION answer_reply_number(p_customer bigint) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT AS $$
    SELECT s.number
    FROM (SELECT e.data ->> 'to' AS reached FROM message_events e
          WHERE e.customer_id = p_customer AND e.account_id = app_account_id()
            AND e.kind IN ('reply', 'keyword')
          ORDER BY e.id DESC LIMIT 1) r
    JOIN sms_sender_numbers s ON s.number = r.reached AND s.account_id = app_account_id()
$$;

-- Where and when an answer to p_customer may go: the location (a location-scoped member's
-- own, else that of the customer's latest appointment), its timezone (the appointment's, the
-- location's, the customer's, the account's) and its send window (the location's, else the
-- campaigns' default 09:00-20:00). Runs with the caller's rights: a customer the member may
-- not see has no row.
CREATE OR REPLACE FUNCTION answer_window(p_customer bigint)
RETURNS TABLE (location_id bigint, location_name text, tz text, win_start time, win_end time)
LANGUAGE sql STABLE AS $$
    SELECT a.location_id, l.name,
           coalesce(a.timezone, l.timezone, cu.timezone, ac.timezone),
           coalesce(l.send_window_start, time '09:00'), coalesce(l.send_window_end, time '20:00')
    FROM customers cu
    JOIN accounts ac ON ac.id = cu.account_id
    LEFT JOIN LATERAL (
        SELECT x.location_id, x.timezone FROM appointments x
        WHERE x.customer_id = cu.id
          AND (app_location_id() IS NULL OR x.location_id = app_location_id())
        ORDER BY x.starts_at DESC LIMIT 1) a ON true
    LEFT JOIN locations l ON l.id = a.location_id
    WHERE cu.id = p_customer
$$;

-- Queue an answer, with the caller's rights (row-level security: the member's account and
-- location scope, and the role's right to write answers and messages). One transaction, so a
-- refusal writes nothing. Outcomes:
--   'queued'      ready now (inside the send window)
--   'scheduled'   p_schedule: held for the window's next opening (send_at)
--   'duplicate'   this form token already made an answer (answer_id, send_at: that one's)
--   'token_used'  this form token made an answer to another customer (a stale or copied form)
--   'not_found'   no such customer for this member
--   'opted_out'   the customer opted out of the channel
--   'no_address'  no phone number (sms) or email address (email)
--   'quiet_hours' outside the send window and not p_schedule (send_at: the next opening)
DROP FUNCTION IF EXISTS queue_answer(bigint, bigint, text, text, text, bigint, text, boolean);
CREATE OR REPLACE FUNCTION queue_answer(p_customer bigint, p_user bigint, p_channel text,
                                        p_body text, p_subject text, p_template bigint,
                                        p_token text, p_schedule boolean)
RETURNS TABLE (outcome text, answer_id bigint, send_at timestamptz, location_name text,
               tz text, win_start time, win_end time)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    cu customers;
    w record;
    due timestamptz;
    token_customer bigint;
BEGIN
    SELECT x.id, m.send_at, x.customer_id INTO answer_id, send_at, token_customer
    FROM answers x LEFT JOIN messages m ON m.campaign_id = 0 AND m.appointment_id = -x.id
    WHERE x.account_id = app_account_id() AND x.form_token = p_token;
    IF FOUND THEN
        -- the same form again: that answer; a token spent on another customer: refused
        outcome := CASE WHEN token_customer = p_customer THEN 'duplicate' ELSE 'token_used' END;
        IF outcome = 'token_used' THEN
            answer_id := NULL;
            send_at := NULL;
        END IF;
        RETURN NEXT;
        RETURN;
    END IF;
    SELECT * INTO cu FROM customers c WHERE c.id = p_customer;
    IF NOT FOUND THEN
        outcome := 'not_found';
        RETURN NEXT;
        RETURN;
    END IF;
    IF (p_channel = 'sms' AND cu.sms_opted_out_at IS NOT NULL)
       OR (p_channel = 'email' AND cu.email_opted_out_at IS NOT NULL) THEN
        outcome := 'opted_out';
        RETURN NEXT;
        RETURN;
    END IF;
    IF (p_channel = 'sms' AND cu.phone IS NULL) OR (p_channel = 'email' AND cu.email IS NULL) THEN
        outcome := 'no_address';
        RETURN NEXT;
        RETURN;
    END IF;
    SELECT * INTO w FROM answer_window(p_customer);
    location_name := w.location_name;
    tz := w.tz;
    win_start := w.win_start;
    win_end := w.win_end;
    due := window_send_at(now(), w.tz, w.win_start, w.win_end, 'defer');
    send_at := due;
    IF due > now() AND NOT p_schedule THEN
        outcome := 'quiet_hours';
        RETURN NEXT;
        RETURN;
    END IF;
    INSERT INTO answers (account_id, customer_id, user_id, location_id, channel, body, subject,
                         template_id, origination, form_token)
    VALUES (cu.account_id, cu.id, p_user, w.location_id, p_channel, p_body, p_subject, p_template,
            CASE WHEN p_channel = 'sms' THEN answer_reply_number(cu.id) END, p_token)
    ON CONFLICT (account_id, form_token) DO NOTHING
    RETURNING id INTO answer_id;
    IF answer_id IS NULL THEN  -- the same token, submitted at the same moment, won
        SELECT x.id, m.send_at, x.customer_id INTO answer_id, send_at, token_customer
        FROM answers x LEFT JOIN messages m ON m.campaign_id = 0 AND m.appointment_id = -x.id
        WHERE x.account_id = app_account_id() AND x.form_token = p_token;
        outcome := CASE WHEN token_customer = p_customer THEN 'duplicate' ELSE 'token_used' END;
        IF outcome = 'token_used' THEN
            answer_id := NULL;
            send_at := NULL;
        END IF;
        RETURN NEXT;
        RETURN;
    END IF;
    INSERT INTO messages (account_id, campaign_id, packet_id, customer_id, appointment_id, step,
                          channel, status, send_at, location_id)
    VALUES (cu.account_id, 0, 0, cu.id, -answer_id, 0, p_channel,
            CASE WHEN due <= now() THEN 'ready' ELSE 'scheduled' END, due, w.location_id);
    outcome := CASE WHEN due <= now() THEN 'queued' ELSE 'scheduled' END;
    RETURN NEXT;
END
$$;
