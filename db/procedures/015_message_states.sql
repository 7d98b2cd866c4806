-- The one definition of a pending message: one that may still be sent (scheduled, ready, or
-- waiting to retry). A plain SQL expression, so the planner inlines it: predicates written
-- with it still match the partial predicate of messages_queue_idx
-- (db/migrations/0002_indexes.sql keeps its literal; an applied migration does not change,
-- and tests/test_message_states.py holds the two equal).
CREATE OR REPLACE FUNCTION message_pending(p_status text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT p_status IN ('scheduled', 'ready', 'retry') $$;
