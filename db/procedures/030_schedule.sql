-- Schedule arithmetic. Offsets are wall-clock time in the recipient's zone: "48 hours before
-- a 10:00 appointment" is 10:00 two days earlier, even across a DST change.

-- When a step falls due: appointment + offset, or, with local_time, that local time on the
-- day appointment + offset lands on ("next morning at 10:00").
CREATE OR REPLACE FUNCTION step_due_at(starts_at timestamptz, tz text, send_offset interval,
                                       local_time time) RETURNS timestamptz
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN local_time IS NULL THEN ((starts_at AT TIME ZONE tz) + send_offset) AT TIME ZONE tz
        ELSE ((((starts_at AT TIME ZONE tz) + send_offset)::date + local_time) AT TIME ZONE tz)
    END
$$;

-- Move `due` into the daily send window [win_start, win_end) in zone `tz`.
-- defer: wait for the window to open (later the same day or the next morning);
-- advance: send one minute before the previous window close instead.
-- (One expression, no FROM: the planner inlines it.)
CREATE OR REPLACE FUNCTION window_send_at(due timestamptz, tz text, win_start time,
                                          win_end time, policy text) RETURNS timestamptz
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN (due AT TIME ZONE tz)::time >= win_start AND (due AT TIME ZONE tz)::time < win_end THEN due
        WHEN policy = 'advance' AND (due AT TIME ZONE tz)::time >= win_end
            THEN ((due AT TIME ZONE tz)::date + win_end - interval '1 minute') AT TIME ZONE tz
        WHEN policy = 'advance'
            THEN ((due AT TIME ZONE tz)::date - 1 + win_end - interval '1 minute') AT TIME ZONE tz
        WHEN (due AT TIME ZONE tz)::time < win_start THEN ((due AT TIME ZONE tz)::date + win_start) AT TIME ZONE tz
        ELSE ((due AT TIME ZONE tz)::date + 1 + win_start) AT TIME ZONE tz
    END
$$;

-- When a step's message is sent: its due time moved into the send window; a due time
-- already past counts as now. Scalar SQL functions, so the planner inlines them into
-- plan_packet's set-based INSERT (a function returning a record in FROM costs ~70 us a row).
DROP FUNCTION IF EXISTS plan_send_at(timestamptz, text, interval, time, time, time, text);
CREATE OR REPLACE FUNCTION plan_send_at(due timestamptz, tz text, win_start time, win_end time,
                                        policy text) RETURNS timestamptz
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT window_send_at(greatest(due, now()), tz, win_start, win_end, policy)
$$;

-- Why a planned step is not sent ('' when it is): a step due before the appointment that
-- could only go out at or after it is 'too_late'.
DROP FUNCTION IF EXISTS plan_reason(timestamptz, text, interval, time, timestamptz);
CREATE OR REPLACE FUNCTION plan_reason(due timestamptz, starts_at timestamptz, send_at timestamptz)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN due < starts_at AND send_at >= starts_at THEN 'too_late' ELSE '' END
$$;
