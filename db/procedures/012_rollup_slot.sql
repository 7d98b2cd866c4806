-- The rollup slot a session writes to. Rollup counters (message counts by campaign, packet and
-- location; hourly activity; survey scores) keep 16 rows per key, one per slot, so concurrent
-- writers (workers, loaders, API requests) rarely update the same row and never wait on each
-- other's counters; readers sum the slots. One definition, used by every rollup trigger.
CREATE OR REPLACE FUNCTION rollup_slot() RETURNS integer
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT pg_backend_pid() % 16 $$;
