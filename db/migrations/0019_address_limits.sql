-- 0019_address_limits: the per-address limits that hold before an API key is known (requests
-- without a key, failed sign-ins) are counted here, shared by every API process, like the
-- per-key windows in api_rate_windows: N processes no longer allow N times the limit.
-- Unlogged: losing the counts in a crash only forgives a minute of traffic.
CREATE UNLOGGED TABLE api_address_windows (
    bucket       text        NOT NULL CHECK (bucket IN ('keyless', 'sign_in')),
    address      text        NOT NULL CHECK (length(address) BETWEEN 1 AND 64),
    window_start timestamptz NOT NULL,
    n            integer     NOT NULL,
    PRIMARY KEY (bucket, address, window_start)
);
