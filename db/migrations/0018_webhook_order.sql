-- 0018_webhook_order: webhook deliveries ordered per resource instead of per endpoint; the
-- account-wide message list.
--
-- Every delivery carries the ordering key of its event's resource: the customer's for events
-- about a customer (messages, replies, consent, surveys, reviews), the packet's for packet
-- events, the account's for the rest. An endpoint delivers each key's events in order, and a
-- delivery waiting for a retry holds back only later deliveries of the same key: the other
-- resources' events to that endpoint go on.

ALTER TABLE webhook_deliveries ADD COLUMN ordering_key text NOT NULL DEFAULT 'account';

UPDATE webhook_deliveries d
SET ordering_key = coalesce('customer:' || e.customer_id, 'packet:' || e.packet_id, 'account')
FROM events e
WHERE e.id = d.event_id AND d.status = 'pending';

-- next_webhook_deliveries: is an earlier delivery of the same key still waiting?
-- fan_out_events: when does the key's last pending delivery go?
CREATE INDEX webhook_deliveries_key_idx ON webhook_deliveries (endpoint_id, ordering_key, id)
    WHERE status = 'pending';
-- claim_webhook_endpoints: the endpoint's earliest due delivery.
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (endpoint_id, next_attempt_at)
    WHERE status = 'pending';

-- list_messages (GET /v1/messages): an account's packets in order, whose messages are then
-- read by messages_packet_idx. packets is small and rarely written.
CREATE INDEX packets_account_idx ON packets (account_id, id);
