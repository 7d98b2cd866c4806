-- The campaign lifecycle, defined once: which verb takes a campaign from which status to which.
-- set_campaign_status() and change_campaign() enforce it; the API and the CLI only name verbs.
CREATE OR REPLACE VIEW campaign_transitions (verb, from_status, to_status) AS
VALUES ('activate', 'draft', 'active'),
       ('pause', 'active', 'paused'),
       ('resume', 'paused', 'active'),
       ('archive', 'draft', 'archived'),
       ('archive', 'active', 'archived'),
       ('archive', 'paused', 'archived');
GRANT SELECT ON campaign_transitions TO reminderly_api;

-- Apply a lifecycle verb: the campaign's new status, and how many messages archiving moved out
-- of the hot tables. A verb the campaign's status does not allow raises check_violation with a
-- message naming both.
CREATE OR REPLACE FUNCTION change_campaign(p_campaign bigint, p_verb text, OUT status text, OUT moved bigint)
LANGUAGE plpgsql AS $$
DECLARE
    c campaigns;
    target text;
BEGIN
    SELECT * INTO c FROM campaigns WHERE id = p_campaign FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'campaign % does not exist', p_campaign USING ERRCODE = 'no_data_found';
    END IF;
    SELECT t.to_status INTO target FROM campaign_transitions t
    WHERE t.verb = p_verb AND t.from_status = c.status;
    IF target IS NULL THEN
        RAISE EXCEPTION 'campaign % is %; cannot % it', p_campaign, c.status, p_verb
            USING ERRCODE = 'check_violation';
    END IF;
    moved := 0;
    IF target = 'archived' THEN
        moved := archive_campaign(p_campaign);
    ELSE
        PERFORM set_campaign_status(p_campaign, target);
    END IF;
    status := target;
END
$$;

-- Campaign status changes and consent.

-- Move a campaign draft -> active -> paused -> active ... -> archived. Pausing returns its
-- ready messages to scheduled, so no worker claims them (ones already leased finish);
-- resuming lets mark_ready pick them up again. Raises when the transition is not allowed.
CREATE OR REPLACE FUNCTION set_campaign_status(p_campaign bigint, p_status text) RETURNS campaigns
LANGUAGE plpgsql AS $$
DECLARE
    c campaigns;
BEGIN
    SELECT * INTO c FROM campaigns WHERE id = p_campaign FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'campaign % does not exist', p_campaign USING ERRCODE = 'no_data_found';
    END IF;
    IF NOT EXISTS (SELECT FROM campaign_transitions t WHERE t.from_status = c.status AND t.to_status = p_status) THEN
        RAISE EXCEPTION 'campaign % cannot go from % to %', p_campaign, c.status, p_status
            USING ERRCODE = 'check_violation';
    END IF;
    IF p_status = 'paused' THEN
        UPDATE messages SET status = 'scheduled', updated_at = now()
        WHERE campaign_id = p_campaign AND status = 'ready' AND lease_owner IS NULL;
    END IF;
    UPDATE campaigns SET status = p_status, updated_at = now() WHERE id = p_campaign RETURNING * INTO c;
    RETURN c;
END
$$;

-- Record an opt-in or opt-out in the consent ledger, update the customer's current state,
-- and on opt-out suppress every message to them on that channel that has not gone yet
-- (including leased ones: their worker's complete_messages then finds them gone).
-- Returns the number of messages suppressed.
CREATE OR REPLACE FUNCTION record_consent(p_customer bigint, p_channel text, p_action text,
                                          p_source text, p_note text DEFAULT NULL) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    cu customers;
    n integer := 0;
BEGIN
    -- wait for a send to this customer that is under way (the worker holds this lock across
    -- the provider call): an opt-out never races a message already going out
    PERFORM pg_advisory_xact_lock(72410, customer_lock_key(p_customer));
    SELECT * INTO cu FROM customers WHERE id = p_customer FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'customer % does not exist', p_customer USING ERRCODE = 'no_data_found';
    END IF;
    INSERT INTO consent_events (account_id, customer_id, channel, action, source, note)
    VALUES (cu.account_id, cu.id, p_channel, p_action, p_source, p_note);
    IF p_action = 'opt_out' THEN
        UPDATE customers SET
            sms_opted_out_at = CASE WHEN p_channel = 'sms' THEN coalesce(sms_opted_out_at, now()) ELSE sms_opted_out_at END,
            email_opted_out_at = CASE WHEN p_channel = 'email' THEN coalesce(email_opted_out_at, now()) ELSE email_opted_out_at END,
            updated_at = now()
        WHERE id = p_customer;
        UPDATE messages SET status = 'suppressed', reason = 'opted_out', lease_owner = NULL,
               lease_expires_at = NULL, updated_at = now()
        WHERE customer_id = p_customer AND channel = p_channel
          AND message_pending(status) AND send_started_at IS NULL;
        GET DIAGNOSTICS n = ROW_COUNT;
    ELSIF p_action = 'opt_in' THEN
        UPDATE customers SET
            sms_opted_out_at = CASE WHEN p_channel = 'sms' THEN NULL ELSE sms_opted_out_at END,
            email_opted_out_at = CASE WHEN p_channel = 'email' THEN NULL ELSE email_opted_out_at END,
            updated_at = now()
        WHERE id = p_customer;
    END IF;
    RETURN n;
END
$$;

-- A customer's SMS reply to a message: recorded as an interaction event, then applied.
-- opt_out / opt_in go to the consent ledger; confirm skips the remaining reminder steps of that
-- appointment (goal reached: suppressed 'confirmed'); cancel cancels the appointment and its
-- pending messages in every campaign; a number 0-10 answers a survey; help and other text are
-- kept for the operator.
-- p_to: the number the customer wrote to (an SMS), kept with the reply: the inbox answers
-- from it (175_answers.sql).
DROP FUNCTION IF EXISTS record_reply(bigint, text, text);
CREATE OR REPLACE FUNCTION record_reply(p_message bigint, p_kind text, p_text text,
                                        p_to text DEFAULT NULL) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    m messages;
BEGIN
    SELECT * INTO m FROM messages WHERE id = p_message;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'message % does not exist', p_message USING ERRCODE = 'no_data_found';
    END IF;
    -- STOP, START and HELP are keywords (consent and help), not responses to the message:
    -- reports' response rates and customer scores count 'reply' events only
    INSERT INTO message_events (account_id, campaign_id, message_id, customer_id, kind, data)
    VALUES (m.account_id, m.campaign_id, m.id, m.customer_id,
            CASE WHEN p_kind IN ('opt_out', 'opt_in', 'help') THEN 'keyword' ELSE 'reply' END,
            jsonb_build_object('text', p_text, 'classified', p_kind)
            || CASE WHEN p_to IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('to', p_to) END);
    IF p_kind = 'opt_out' THEN
        PERFORM record_consent(m.customer_id, 'sms', 'opt_out', 'sms reply', left(p_text, 200));
    ELSIF p_kind = 'opt_in' THEN
        PERFORM record_consent(m.customer_id, 'sms', 'opt_in', 'sms reply', left(p_text, 200));
    ELSIF p_kind = 'confirm' THEN
        INSERT INTO message_events (account_id, campaign_id, message_id, customer_id, kind)
        VALUES (m.account_id, m.campaign_id, m.id, m.customer_id, 'confirmed');
        UPDATE messages SET status = 'suppressed', reason = 'confirmed', updated_at = now()
        WHERE campaign_id = m.campaign_id AND appointment_id = m.appointment_id
          AND message_pending(status) AND lease_owner IS NULL;
    ELSIF p_kind = 'score' AND EXISTS (SELECT 1 FROM campaigns WHERE id = m.campaign_id AND kind = 'survey') THEN
        -- a survey answered by SMS: recorded once, and no follow-up (100_inbound.sql)
        PERFORM record_survey_response(m.id, substring(p_text FROM '\m(10|[0-9])\M')::integer, NULL, 'sms');
    ELSIF p_kind = 'cancel' THEN
        INSERT INTO message_events (account_id, campaign_id, message_id, customer_id, kind)
        VALUES (m.account_id, m.campaign_id, m.id, m.customer_id, 'cancelled_by_customer');
        UPDATE appointments SET status = 'cancelled', updated_at = now() WHERE id = m.appointment_id;
        UPDATE messages SET status = 'cancelled', reason = 'appointment_cancelled', updated_at = now()
        WHERE appointment_id = m.appointment_id AND customer_id = m.customer_id
          AND message_pending(status) AND lease_owner IS NULL;
    END IF;
    RETURN p_kind;
END
$$;
