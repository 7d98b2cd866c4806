-- 0010_audience: a campaign may be sent only to the top N customers by score (customer_scores).
-- audience_by 'positive' (likely to answer positively) is refused for review requests by the
-- library and the API: review sites forbid asking only the likely happy (review gating).
ALTER TABLE campaigns ADD COLUMN audience_top_n integer CHECK (audience_top_n > 0);
ALTER TABLE campaigns ADD COLUMN audience_by text CHECK (audience_by IN ('respond', 'positive'));
ALTER TABLE campaigns ADD CONSTRAINT campaigns_no_review_gating
    CHECK (NOT (kind = 'review_request' AND audience_by = 'positive'));
