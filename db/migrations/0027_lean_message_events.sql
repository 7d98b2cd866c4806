-- 0027_lean_message_events: a message event (message.sent | delivered | failed | dead) keeps
-- the facts of its payload in columns, and the payload is built when it is read
-- (event_data(), db/procedures/150_events.sql), not in the statement that sends.
--
-- Every send writes one of these rows in the statement that records it (complete_messages),
-- so its cost is on the queue's hot path: building the jsonb there cost about as much as the
-- rest of the event (bench/RESULTS.md, issue 15). The payload depends only on what the row
-- holds: the message's step, channel, reason and attempts at the change, the appointment's
-- start at the change (an appointment moved later does not change an event already written),
-- and the ids and external ids that were already columns. Readers (the /v1/events feed, the
-- webhook fan-out's deliveries) call event_data(e), which returns the stored `data` when there
-- is one: every other event type, and the message events written before this migration.
--
-- `data` IS NULL marks a payload to build; nothing else writes NULL there.

ALTER TABLE events ALTER COLUMN data DROP NOT NULL;

ALTER TABLE events
    ADD COLUMN message_step          smallint,
    ADD COLUMN message_channel       text,
    ADD COLUMN message_reason        text,
    ADD COLUMN message_attempts      smallint,
    ADD COLUMN appointment_starts_at timestamptz,
    -- NOT VALID: no scan of the table under this migration's lock (every send inserts
    -- events); the rows already there had `data` NOT NULL, so they satisfy it
    ADD CONSTRAINT events_data_built CHECK (
        data IS NOT NULL OR (type LIKE 'message.%' AND message_step IS NOT NULL
                             AND message_channel IS NOT NULL AND message_attempts IS NOT NULL))
        NOT VALID;
