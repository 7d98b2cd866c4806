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
CREATE OR REPLACE FUNCTION window_send_at(due timestamptz, tz text, win_start time,
                                          win_end time, policy text) RETURNS timestamptz
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN t >= win_start AND t < win_end THEN due
        WHEN policy = 'advance' AND t >= win_end THEN (d + win_end - interval '1 minute') AT TIME ZONE tz
        WHEN policy = 'advance' THEN (d - 1 + win_end - interval '1 minute') AT TIME ZONE tz
        WHEN t < win_start THEN (d + win_start) AT TIME ZONE tz
        ELSE (d + 1 + win_start) AT TIME ZONE tz
    END
    FROM (SELECT (due AT TIME ZONE tz)::time AS t, (due AT TIME ZONE tz)::date AS d) AS l
$$;

-- When a step's message is sent, or why it is not: (send_at, reason), reason '' when it goes.
-- A step before the appointment that could only go out at or after it is 'too_late'; a due
-- time already past is treated as now.
CREATE OR REPLACE FUNCTION plan_send(starts_at timestamptz, tz text, send_offset interval,
                                     local_time time, win_start time, win_end time,
                                     policy text, OUT send_at timestamptz, OUT reason text)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT s, CASE WHEN due < starts_at AND s >= starts_at THEN 'too_late' ELSE '' END
    FROM (SELECT step_due_at(starts_at, tz, send_offset, local_time) AS due) AS a,
         LATERAL (SELECT window_send_at(greatest(a.due, now()), tz, win_start, win_end, policy) AS s) AS b
$$;
