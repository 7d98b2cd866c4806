-- Customer scores: the probability a customer responds (replies, answers, clicks, confirms) to
-- a campaign kind, and responds positively (a 9-10 score, a confirmation, a click to the review
-- site), from their history: each message weighted by recency (half-life p_half_life_days) and
-- the rate shrunk toward the account's (Beta-Binomial empirical Bayes: the prior's strength is
-- fitted from how much customers really differ, by the method of moments), so one reply out of
-- one message does not rank first. One set-based pass over the account's messages.
CREATE OR REPLACE FUNCTION refresh_customer_scores(p_account bigint, p_half_life_days double precision DEFAULT 90)
RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    n integer;
BEGIN
    DELETE FROM customer_scores WHERE account_id = p_account;
    WITH sent AS (
        SELECT m.id, m.customer_id, c.kind, m.sent_at,
               power(0.5, extract(epoch FROM now() - m.sent_at) / 86400.0 / p_half_life_days) AS w
        FROM messages m JOIN campaigns c ON c.id = m.campaign_id
        WHERE m.account_id = p_account AND m.sent_at IS NOT NULL
    ), ev AS (
        SELECT e.message_id,
               min(e.occurred_at) FILTER (WHERE e.kind IN ('reply', 'survey_response', 'link_clicked', 'confirmed')) AS responded_at,
               bool_or(e.kind = 'confirmed') AS confirmed,
               bool_or(e.kind = 'link_clicked') AS clicked
        FROM message_events e WHERE e.account_id = p_account GROUP BY 1
    ), x AS (
        SELECT s.customer_id, s.kind, s.w, s.sent_at,
               coalesce(ev.responded_at, sr.created_at) AS responded_at,
               (ev.responded_at IS NOT NULL OR sr.message_id IS NOT NULL) AS responded,
               (coalesce(ev.confirmed, false) OR sr.score >= 9
                OR (s.kind = 'review_request' AND coalesce(ev.clicked, false))) AS positive
        FROM sent s
        LEFT JOIN ev ON ev.message_id = s.id
        LEFT JOIN survey_responses sr ON sr.message_id = s.id
    ), per AS (
        SELECT customer_id, kind, count(*) AS messages, count(*) FILTER (WHERE responded) AS responses,
               count(*) FILTER (WHERE positive) AS positives, sum(w) AS wn,
               coalesce(sum(w) FILTER (WHERE responded), 0) AS wr, coalesce(sum(w) FILTER (WHERE positive), 0) AS wp,
               max(sent_at) AS last_sent_at, max(responded_at) AS last_response_at
        FROM x GROUP BY 1, 2
    ), moments AS (
        -- the account's rate per kind, and how much customers' rates vary beyond chance
        SELECT kind, sum(wr) / sum(wn) AS mu_r, sum(wp) / sum(wn) AS mu_p,
               var_samp(responses::float8 / messages) FILTER (WHERE messages >= 3) AS var_r,
               var_samp(positives::float8 / messages) FILTER (WHERE messages >= 3) AS var_p,
               avg(1.0 / messages) FILTER (WHERE messages >= 3) AS inv_n
        FROM per GROUP BY 1
    ), prior AS (
        SELECT kind,
               least(greatest(mu_r, 0.001), 0.999) AS mu_r, least(greatest(mu_p, 0.001), 0.999) AS mu_p,
               -- kappa = mu(1 - mu) / between-customer variance - 1, within [2, 200]; 20 unknown
               CASE WHEN var_r - mu_r * (1 - mu_r) * inv_n > 0
                    THEN least(greatest(mu_r * (1 - mu_r) / (var_r - mu_r * (1 - mu_r) * inv_n) - 1, 2), 200)
                    ELSE 20 END AS k_r,
               CASE WHEN var_p - mu_p * (1 - mu_p) * inv_n > 0
                    THEN least(greatest(mu_p * (1 - mu_p) / (var_p - mu_p * (1 - mu_p) * inv_n) - 1, 2), 200)
                    ELSE 20 END AS k_p
        FROM moments
    ), timing AS (
        SELECT x.customer_id, x.kind,
               mode() WITHIN GROUP (ORDER BY extract(hour FROM x.responded_at AT TIME ZONE coalesce(cu.timezone, a.timezone))) AS best_hour,
               mode() WITHIN GROUP (ORDER BY extract(isodow FROM x.responded_at AT TIME ZONE coalesce(cu.timezone, a.timezone))) AS best_weekday
        FROM x JOIN customers cu ON cu.id = x.customer_id JOIN accounts a ON a.id = cu.account_id
        WHERE x.responded_at IS NOT NULL
        GROUP BY 1, 2
    )
    INSERT INTO customer_scores (account_id, customer_id, kind, messages, responses, positives, weight,
                                 p_respond, p_positive, best_hour, best_weekday, last_sent_at, last_response_at)
    SELECT p_account, per.customer_id, per.kind, per.messages, per.responses, per.positives, per.wn,
           (per.wr + prior.mu_r * prior.k_r) / (per.wn + prior.k_r),
           (per.wp + prior.mu_p * prior.k_p) / (per.wn + prior.k_p),
           timing.best_hour, timing.best_weekday, per.last_sent_at, per.last_response_at
    FROM per JOIN prior USING (kind)
    LEFT JOIN timing ON timing.customer_id = per.customer_id AND timing.kind = per.kind;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;
