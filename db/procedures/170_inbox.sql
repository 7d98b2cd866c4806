-- The inbox (0023_inbox.sql): a reply opens (or reopens) its customer's conversation, with
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
