-- 0009_customer_scores: per customer and campaign kind, how likely they are to respond and to
-- respond positively, and when they answer; refreshed by refresh_customer_scores().
CREATE TABLE customer_scores (
    account_id        bigint           NOT NULL,
    customer_id       bigint           NOT NULL,
    kind              text             NOT NULL CHECK (kind IN ('reminder', 'survey', 'review_request')),
    messages          integer          NOT NULL,  -- sent to them (the evidence)
    responses         integer          NOT NULL,
    positives         integer          NOT NULL,
    weight            double precision NOT NULL,  -- recency-weighted messages
    p_respond         double precision NOT NULL,
    p_positive        double precision NOT NULL,
    best_hour         smallint,                   -- local hour (0-23) they answer most
    best_weekday      smallint,                   -- ISO weekday (1 = Monday)
    last_sent_at      timestamptz,
    last_response_at  timestamptz,
    scored_at         timestamptz      NOT NULL DEFAULT now(),
    PRIMARY KEY (customer_id, kind)
);
-- ranked customers of an account for a kind (the analytics API).
CREATE INDEX customer_scores_rank_idx ON customer_scores (account_id, kind, p_respond DESC);

ALTER TABLE customer_scores ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON customer_scores TO reminderly_api USING (account_id = app_account_id());
GRANT SELECT ON customer_scores TO reminderly_api;
