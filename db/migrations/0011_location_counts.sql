-- 0011_location_counts: a campaign's message states per location (the business's branches),
-- kept by the same statement triggers as the campaign and packet rollups. Messages carry their
-- appointment's location so the triggers need no join.
ALTER TABLE messages ADD COLUMN location_id bigint;
ALTER TABLE messages_archive ADD COLUMN location_id bigint;

CREATE TABLE campaign_location_counts (
    campaign_id bigint   NOT NULL,
    location_id bigint   NOT NULL,  -- 0: appointments without a location
    status      text     NOT NULL,
    slot        smallint NOT NULL,
    n           bigint   NOT NULL,
    PRIMARY KEY (campaign_id, location_id, status, slot)
);

UPDATE messages m SET location_id = a.location_id
FROM appointments a WHERE a.id = m.appointment_id AND a.location_id IS NOT NULL;
UPDATE messages_archive m SET location_id = a.location_id
FROM appointments a WHERE a.id = m.appointment_id AND a.location_id IS NOT NULL;
INSERT INTO campaign_location_counts (campaign_id, location_id, status, slot, n)
SELECT campaign_id, coalesce(location_id, 0), status, 0, count(*)
FROM (SELECT campaign_id, location_id, status FROM messages
      UNION ALL SELECT campaign_id, location_id, status FROM messages_archive) x
GROUP BY 1, 2, 3;

ALTER TABLE campaign_location_counts ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON campaign_location_counts TO reminderly_api
    USING (campaign_id IN (SELECT id FROM campaigns));
GRANT SELECT ON campaign_location_counts TO reminderly_api;
