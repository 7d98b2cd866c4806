-- What comes back: delivery receipts, inbound SMS, link clicks and survey answers. Each is
-- idempotent: receipts and SMS by the provider's event id (inbound_events), answers by message.

-- Apply a receipt for the message the provider knows as p_provider_id. outcome:
--   delivered          sent -> delivered
--   bounced | failed   a permanent failure: sent -> failed, and the recipient is unreachable
--   complaint          the recipient marked it as spam: opted out of email
--   opened | clicked   an interaction, recorded
-- Returns 'duplicate' (already applied), 'unknown_message', or the outcome.
CREATE OR REPLACE FUNCTION record_delivery(p_source text, p_event_id text, p_provider_id text,
                                           p_outcome text, p_detail jsonb DEFAULT '{}')
RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    m messages;
BEGIN
    INSERT INTO inbound_events (source, event_id, outcome) VALUES (p_source, p_event_id, p_outcome)
    ON CONFLICT DO NOTHING;
    IF NOT FOUND THEN
        RETURN 'duplicate';
    END IF;
    SELECT * INTO m FROM messages WHERE provider_message_id = p_provider_id;
    IF NOT FOUND THEN
        UPDATE inbound_events SET outcome = 'unknown_message' WHERE source = p_source AND event_id = p_event_id;
        RETURN 'unknown_message';
    END IF;
    INSERT INTO message_events (account_id, campaign_id, message_id, customer_id, kind, data)
    VALUES (m.account_id, m.campaign_id, m.id, m.customer_id, p_outcome, coalesce(p_detail, '{}'));
    IF p_outcome = 'delivered' THEN
        UPDATE messages SET status = 'delivered', updated_at = now() WHERE id = m.id AND status = 'sent';
    ELSIF p_outcome IN ('bounced', 'failed') THEN
        UPDATE messages SET status = 'failed', reason = p_outcome, updated_at = now()
        WHERE id = m.id AND status IN ('sent', 'delivered');
        PERFORM record_consent(m.customer_id, m.channel, 'unreachable', p_source,
                               left(coalesce(p_detail ->> 'reason', p_outcome), 200));
    ELSIF p_outcome = 'complaint' THEN
        PERFORM record_consent(m.customer_id, 'email', 'opt_out', 'complaint', NULL);
    END IF;
    RETURN p_outcome;
END
$$;

-- An inbound SMS, already classified (app_service/replies.py), routed by the number the
-- customer wrote to (p_to) and their phone (p_from):
-- - to an account's own number: that account's customers with that phone only;
-- - to a shared (or unknown, or missing) number: the customers with that phone of the accounts
--   that send from the shared identity (shared consent).
-- Opt-out and opt-in apply to every such customer (carriers treat a number as one subscriber of
-- the sending number); anything else answers the latest message sent to that phone among them
-- (a campaign's before an inbox answer: "YES" or "CANCEL" after an answer still confirms or
-- cancels the appointment the reminder was about). The reply keeps the number it reached.
-- Returns the number of customers it applied to, or -1 for a duplicate delivery.
DROP FUNCTION IF EXISTS record_inbound_sms(text, text, text, text);
CREATE OR REPLACE FUNCTION record_inbound_sms(p_event_id text, p_from text, p_kind text, p_text text,
                                              p_to text DEFAULT NULL)
RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    cu record;
    latest bigint;
    owner bigint;
    n integer := 0;
BEGIN
    INSERT INTO inbound_events (source, event_id, outcome) VALUES ('sms-inbound', p_event_id, p_kind)
    ON CONFLICT DO NOTHING;
    IF NOT FOUND THEN
        RETURN -1;
    END IF;
    SELECT s.account_id INTO owner FROM sms_sender_numbers s WHERE s.number = p_to;
    FOR cu IN
        SELECT c.id FROM customers c JOIN accounts a ON a.id = c.account_id
        WHERE c.phone = p_from
          AND CASE WHEN owner IS NOT NULL THEN c.account_id = owner ELSE a.sms_origination IS NULL END
        ORDER BY c.id
    LOOP
        SELECT m.id INTO latest FROM messages m
        WHERE m.customer_id = cu.id AND m.channel = 'sms' AND m.sent_at IS NOT NULL
        ORDER BY m.campaign_id = 0, m.sent_at DESC LIMIT 1;
        IF p_kind IN ('opt_out', 'opt_in') THEN
            IF latest IS NOT NULL THEN
                PERFORM record_reply(latest, p_kind, p_text, p_to);
            ELSE
                PERFORM record_consent(cu.id, 'sms', p_kind, 'sms reply', left(p_text, 200));
            END IF;
            n := n + 1;
        END IF;
    END LOOP;
    IF p_kind NOT IN ('opt_out', 'opt_in') THEN
        SELECT m.id INTO latest FROM messages m JOIN customers c ON c.id = m.customer_id
        JOIN accounts a ON a.id = c.account_id
        WHERE c.phone = p_from AND m.channel = 'sms' AND m.sent_at IS NOT NULL
          AND CASE WHEN owner IS NOT NULL THEN c.account_id = owner ELSE a.sms_origination IS NULL END
        ORDER BY m.campaign_id = 0, m.sent_at DESC LIMIT 1;
        IF latest IS NOT NULL THEN
            PERFORM record_reply(latest, p_kind, p_text, p_to);
            n := 1;
        END IF;
    END IF;
    RETURN n;
END
$$;

-- A survey answer to a message: recorded once (the first wins; returns false after that),
-- and the campaign sends no follow-up for that appointment (goal reached).
CREATE OR REPLACE FUNCTION record_survey_response(p_message bigint, p_score integer,
                                                  p_comment text, p_channel text)
RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
    m messages;
BEGIN
    SELECT * INTO m FROM messages WHERE id = p_message;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'message % does not exist', p_message USING ERRCODE = 'no_data_found';
    END IF;
    INSERT INTO survey_responses (message_id, account_id, campaign_id, customer_id, score, comment, channel)
    VALUES (m.id, m.account_id, m.campaign_id, m.customer_id, p_score, nullif(btrim(p_comment), ''), p_channel)
    ON CONFLICT DO NOTHING;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    -- an SMS answer is already an interaction (its 'reply' event); a web answer is one here
    IF p_channel = 'web' THEN
        INSERT INTO message_events (account_id, campaign_id, message_id, customer_id, kind, data)
        VALUES (m.account_id, m.campaign_id, m.id, m.customer_id, 'survey_response',
                jsonb_build_object('score', p_score, 'channel', p_channel));
    END IF;
    UPDATE messages SET status = 'suppressed', reason = 'answered', updated_at = now()
    WHERE campaign_id = m.campaign_id AND appointment_id = m.appointment_id
      AND message_pending(status) AND lease_owner IS NULL;
    RETURN true;
END
$$;

-- A click on a message's tracked link (survey page or review site): the first is recorded.
CREATE OR REPLACE FUNCTION record_click(p_message bigint, p_target text) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
    m messages;
BEGIN
    SELECT * INTO m FROM messages WHERE id = p_message;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    IF EXISTS (SELECT 1 FROM message_events WHERE message_id = m.id AND kind = 'link_clicked') THEN
        RETURN false;
    END IF;
    INSERT INTO message_events (account_id, campaign_id, message_id, customer_id, kind, data)
    VALUES (m.account_id, m.campaign_id, m.id, m.customer_id, 'link_clicked',
            jsonb_build_object('target', p_target));
    RETURN true;
END
$$;
