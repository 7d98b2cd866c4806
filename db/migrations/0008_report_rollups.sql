-- 0008_report_rollups: what reports read, kept current by triggers, so a campaign's report is
-- a few key lookups at any size (like campaign_message_counts for message states).

-- Interactions per campaign: delivered, reply, confirmed, link_clicked, survey_response, ...
CREATE TABLE campaign_event_counts (
    campaign_id bigint   NOT NULL,
    kind        text     NOT NULL,
    slot        smallint NOT NULL,
    n           bigint   NOT NULL,
    PRIMARY KEY (campaign_id, kind, slot)
);

-- Activity per campaign and hour: sent (messages) and each interaction kind (events).
CREATE TABLE campaign_hourly_counts (
    campaign_id bigint      NOT NULL,
    hour        timestamptz NOT NULL,
    metric      text        NOT NULL,
    slot        smallint    NOT NULL,
    n           bigint      NOT NULL,
    PRIMARY KEY (campaign_id, hour, metric, slot)
);

-- Survey answers per campaign and score (0-10), with how many carried a comment.
CREATE TABLE survey_score_counts (
    campaign_id bigint   NOT NULL,
    score       smallint NOT NULL,
    slot        smallint NOT NULL,
    n           bigint   NOT NULL,
    comments    bigint   NOT NULL,
    PRIMARY KEY (campaign_id, score, slot)
);

-- What exists already, counted once.
INSERT INTO campaign_event_counts (campaign_id, kind, slot, n)
SELECT campaign_id, kind, 0, count(*) FROM message_events GROUP BY 1, 2;
INSERT INTO campaign_hourly_counts (campaign_id, hour, metric, slot, n)
SELECT campaign_id, date_trunc('hour', occurred_at), kind, 0, count(*) FROM message_events GROUP BY 1, 2, 3;
INSERT INTO campaign_hourly_counts (campaign_id, hour, metric, slot, n)
SELECT campaign_id, date_trunc('hour', sent_at), 'sent', 0, count(*) FROM messages
WHERE sent_at IS NOT NULL GROUP BY 1, 2
ON CONFLICT (campaign_id, hour, metric, slot) DO UPDATE SET n = campaign_hourly_counts.n + excluded.n;
INSERT INTO survey_score_counts (campaign_id, score, slot, n, comments)
SELECT campaign_id, score, 0, count(*), count(comment) FROM survey_responses GROUP BY 1, 2;

-- The API reads its own campaigns' rollups; only the (SECURITY DEFINER) triggers write them.
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['campaign_event_counts', 'campaign_hourly_counts', 'survey_score_counts'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I TO reminderly_api '
                       'USING (campaign_id IN (SELECT id FROM campaigns))', t);
        EXECUTE format('GRANT SELECT ON %I TO reminderly_api', t);
    END LOOP;
END
$$;
