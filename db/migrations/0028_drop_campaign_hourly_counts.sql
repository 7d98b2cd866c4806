-- 0028_drop_campaign_hourly_counts: the campaign-wide hourly rollup of 0008 is gone; hourly
-- sends and interactions are kept per location only (db/procedures/130_report_rollups.sql)
-- and a campaign's series is the sum of its locations (campaign_timeseries).
--
-- 0026 rebuilt the per-location hours from `messages` and `message_events`, so a campaign
-- archived before it (its rows had moved to messages_archive and message_events_archive)
-- got no per-location hours, and its series has read as empty since. Whatever the
-- campaign-wide rollup counted beyond the per-location one, hour by hour and metric by
-- metric, is kept as location 0 (no location) before the table goes: no count is lost.
INSERT INTO campaign_location_hourly_counts (campaign_id, location_id, hour, metric, slot, n)
SELECT w.campaign_id, 0, w.hour, w.metric, 0, w.n - coalesce(l.n, 0)
FROM (SELECT campaign_id, hour, metric, sum(n) AS n FROM campaign_hourly_counts
      GROUP BY 1, 2, 3) w
LEFT JOIN (SELECT campaign_id, hour, metric, sum(n) AS n FROM campaign_location_hourly_counts
           GROUP BY 1, 2, 3) l USING (campaign_id, hour, metric)
WHERE w.n > coalesce(l.n, 0)
ON CONFLICT (campaign_id, location_id, hour, metric, slot)
    DO UPDATE SET n = campaign_location_hourly_counts.n + excluded.n;

DROP TABLE campaign_hourly_counts;
