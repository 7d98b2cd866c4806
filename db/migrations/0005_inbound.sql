-- 0005_inbound: what comes back from providers and customers.

-- Deliveries of inbound webhooks already applied, by the provider's id for them (the SNS
-- MessageId): a redelivered notification changes nothing.
CREATE TABLE inbound_events (
    source      text        NOT NULL,
    event_id    text        NOT NULL CHECK (length(event_id) BETWEEN 1 AND 200),
    outcome     text        NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source, event_id)
);
-- purge_inbound_events: old receipts.
CREATE INDEX inbound_events_received_idx ON inbound_events (received_at);

-- record_delivery: a receipt names the message by the provider's id for it.
CREATE INDEX messages_provider_idx ON messages (provider_message_id)
    WHERE provider_message_id IS NOT NULL;

-- record_inbound_sms: a reply names the customer only by the phone it came from.
CREATE INDEX customers_phone_idx ON customers (phone) WHERE phone IS NOT NULL;

-- A survey answer (score 0-10, comment): one per message, first one wins.
CREATE TABLE survey_responses (
    message_id  bigint      PRIMARY KEY,
    account_id  bigint      NOT NULL,
    campaign_id bigint      NOT NULL,
    customer_id bigint      NOT NULL,
    score       smallint    NOT NULL CHECK (score BETWEEN 0 AND 10),
    comment     text        CHECK (length(comment) <= 2000),
    channel     text        NOT NULL CHECK (channel IN ('web', 'sms')),
    created_at  timestamptz NOT NULL DEFAULT now()
);
-- survey results of a campaign.
CREATE INDEX survey_responses_campaign_idx ON survey_responses (campaign_id, created_at);

ALTER TABLE survey_responses ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON survey_responses TO reminderly_api
    USING (account_id = app_account_id());
GRANT SELECT ON survey_responses TO reminderly_api;
