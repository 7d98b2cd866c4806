-- 0002_indexes: every index beside the query (db/queries.sql or db/procedures) it serves.
-- Unique constraints in 0001 are indexes too:
--   customers (account_id, external_id)      customer upsert in plan_packet; get customer by id
--   appointments (account_id, external_id)   appointment upsert / move / cancel in plan_packet
--   messages_once (campaign_id, appointment_id, step, customer_id)
--                                            duplicate-send guard; plan_packet's replan and
--                                            cancel of an appointment's messages;
--                                            campaign-leading reads (archive_campaign)
--   packets (campaign_id, idempotency_key)   packet idempotency by key
--   packet_rows (packet_id, row_no)          row errors of a packet, paginated (row_errors)
-- Every message update changes status, so none is HOT: each index here costs a write on every
-- state change. messages therefore carries as few indexes as its hot queries need.

-- claim_batch: ready messages in send_at order; mark_ready: due scheduled/retry messages;
-- reclaim_expired_leases: leased (claimed) ready messages. Partial, so it holds only the live
-- queue. The lease columns are deliberately in no index (claims stay HOT updates).
CREATE INDEX messages_queue_idx ON messages (status, send_at)
    WHERE status IN ('scheduled', 'ready', 'retry');

-- messages_by_packet (list a packet's messages); cancel_packet.
CREATE INDEX messages_packet_idx ON messages (packet_id, id);

-- customer_history (a customer's messages, newest first); record_consent (cancel pending).
CREATE INDEX messages_customer_idx ON messages (customer_id, id);

-- packet_by_checksum: the same content submitted twice for a campaign is one packet.
CREATE UNIQUE INDEX packets_checksum_uq ON packets (campaign_id, checksum)
    WHERE checksum IS NOT NULL AND status NOT IN ('failed', 'cancelled');

-- list_packets (a campaign's packets, newest first).
CREATE INDEX packets_campaign_idx ON packets (campaign_id, id);

-- refresh_packet_states: packets still moving through the flow.
CREATE INDEX packets_open_idx ON packets (id) WHERE status IN ('ready', 'dispatching');

-- row_errors: only rejected rows, so paging errors never walks accepted rows.
CREATE INDEX packet_rows_errors_idx ON packet_rows (packet_id, row_no) WHERE error_reason IS NOT NULL;

-- list_campaigns (an account's campaigns).
CREATE INDEX campaigns_account_idx ON campaigns (account_id, id);

-- consent_history; the ledger of one customer and channel in time order.
CREATE INDEX consent_events_customer_idx ON consent_events (customer_id, channel, occurred_at);

-- message_history (a message's events); customer timeline; campaign time series.
CREATE INDEX message_events_message_idx ON message_events (message_id);
CREATE INDEX message_events_customer_idx ON message_events (customer_id, occurred_at);
CREATE INDEX message_events_campaign_idx ON message_events (campaign_id, occurred_at);

-- purge_pii: customers not seen since the retention cut-off.
CREATE INDEX customers_last_seen_idx ON customers (last_seen_at) WHERE pii_purged_at IS NULL;

-- archive_campaign: moving a campaign's rows out and reading them back for reports.
CREATE INDEX messages_archive_campaign_idx ON messages_archive (campaign_id);
CREATE INDEX message_events_archive_campaign_idx ON message_events_archive (campaign_id);
