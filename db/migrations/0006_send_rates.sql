-- 0006_send_rates: provider send rates shared by every worker process.

-- A token bucket per sender identity ("sms:<phone pool>", "email:<SES identity>"): every worker
-- takes tokens from the same row before it calls the provider, so N workers together stay
-- within the provider's rate (an SMS long code's messages per second, the SES account's send
-- rate) instead of each of them alone. Configured by the workers from their settings.
CREATE TABLE send_rate_limits (
    key        text             PRIMARY KEY CHECK (length(key) BETWEEN 1 AND 200),
    rate       double precision NOT NULL CHECK (rate > 0),   -- tokens per second
    burst      double precision NOT NULL CHECK (burst >= 1), -- bucket size
    tokens     double precision NOT NULL,
    updated_at timestamptz      NOT NULL DEFAULT clock_timestamp()
);
