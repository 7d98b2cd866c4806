-- The inbox (0021_inbox.sql): a reply opens (or reopens) its customer's conversation, with
-- the task it asks of the front desk. Runs as the table owner: replies arrive through the
-- signed webhook, the worker or the API, whatever role records them.
CREATE OR REPLACE FUNCTION conversation_on_reply() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
    txt text := left(coalesce(NEW.data ->> 'text', ''), 300);
    kind text := NEW.data ->> 'classified';
    new_task text := CASE
        WHEN kind = 'confirm' THEN 'confirmed'
        WHEN kind = 'cancel' THEN 'cancelled'
        WHEN kind = 'opt_out' THEN 'opted_out'
        WHEN txt ~* '\m(reschedul\w*|another (day|time)|move (it|my)|change (the|my) (time|appointment)|different (day|time))' THEN 'reschedule'
    END;
BEGIN
    INSERT INTO conversations AS c (account_id, customer_id, state, task, last_reply_id,
                                    last_reply_at, last_reply_text)
    VALUES (NEW.account_id, NEW.customer_id, 'open', new_task, NEW.id, NEW.occurred_at, txt)
    ON CONFLICT (account_id, customer_id) DO UPDATE
        SET state = 'open', task = coalesce(excluded.task, c.task),
            last_reply_id = greatest(c.last_reply_id, excluded.last_reply_id),
            last_reply_at = greatest(c.last_reply_at, excluded.last_reply_at),
            last_reply_text = excluded.last_reply_text, updated_at = now();
    RETURN NULL;
END
$$;

DROP TRIGGER IF EXISTS conversation_on_reply ON message_events;
CREATE TRIGGER conversation_on_reply AFTER INSERT ON message_events
    FOR EACH ROW WHEN (NEW.kind IN ('reply', 'keyword'))
    EXECUTE FUNCTION conversation_on_reply();

-- The free texts kept about customers, erased on request (erase_customer) and after the
-- retention (purge_pii, 080_maintenance.sql), so the two cannot drift apart: what they wrote
-- (replies, survey comments, the inbox's last reply), what staff wrote about or to them
-- (consent notes, conversation notes, answers) and the local outbox's copies of their
-- messages. Runs as its caller; not for the API's roles (a tenant erases through
-- erase_customer, which checks the member's role).
CREATE OR REPLACE FUNCTION forget_customer_texts(p_customers bigint[]) RETURNS void
LANGUAGE sql AS $$
    UPDATE message_events SET data = data - 'text' - 'comment'
    WHERE customer_id = ANY (p_customers) AND (data ? 'text' OR data ? 'comment');
    UPDATE survey_responses SET comment = NULL
    WHERE customer_id = ANY (p_customers) AND comment IS NOT NULL;
    UPDATE consent_events SET note = NULL WHERE customer_id = ANY (p_customers) AND note IS NOT NULL;
    UPDATE conversations SET last_reply_text = ''
    WHERE customer_id = ANY (p_customers) AND last_reply_text <> '';
    DELETE FROM conversation_notes WHERE customer_id = ANY (p_customers);
    UPDATE answers SET body = '', subject = NULL
    WHERE customer_id = ANY (p_customers) AND (body <> '' OR subject IS NOT NULL);
    DELETE FROM outbox o USING messages m
    WHERE m.customer_id = ANY (p_customers) AND o.message_id = m.id;
$$;
REVOKE ALL ON FUNCTION forget_customer_texts(bigint[]) FROM PUBLIC, reminderly_api_login;

-- Erasing one customer on request (the console; the caller's account only): names, phone,
-- email, merge fields, reply and survey texts, inbox notes and answers' texts, and the local
-- outbox's copies
-- go; the send ledger stays (which messages were sent when, their statuses, and the consent
-- ledger's opt-ins and opt-outs, the evidence carriers ask for). Refused while a send to the
-- customer is under way; their pending messages are cancelled ('erased').
CREATE OR REPLACE FUNCTION erase_customer(p_customer bigint) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
    IF app_role() IS NOT NULL AND app_role() NOT IN ('owner', 'admin') THEN
        RAISE EXCEPTION 'the % role may not erase customers', app_role()
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    PERFORM 1 FROM customers WHERE id = p_customer AND account_id = app_account_id() FOR UPDATE;
    IF NOT FOUND THEN
        RETURN 'not_found';
    END IF;
    IF EXISTS (SELECT FROM messages WHERE customer_id = p_customer AND lease_owner IS NOT NULL) THEN
        RETURN 'sending';
    END IF;
    UPDATE messages SET status = 'cancelled', reason = 'erased', updated_at = now()
    WHERE customer_id = p_customer AND message_pending(status);
    UPDATE customers SET first_name = NULL, last_name = NULL, phone = NULL, email = NULL,
                         pii_purged_at = now(), updated_at = now()
    WHERE id = p_customer;
    UPDATE appointments SET merge_fields = '{}', updated_at = now() WHERE customer_id = p_customer;
    PERFORM forget_customer_texts(ARRAY[p_customer]);
    RETURN 'erased';
END
$$;
