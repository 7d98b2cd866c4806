-- 0007_ops: what on-call engineers switch.

-- Sending paused by an operator: everything ('all') or one channel (a carrier incident, an SES
-- sending pause). Workers claim nothing of a paused scope; a batch already claimed finishes.
CREATE TABLE sending_pauses (
    scope     text        PRIMARY KEY CHECK (scope IN ('all', 'sms', 'email')),
    reason    text        NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
    paused_by text        NOT NULL,
    paused_at timestamptz NOT NULL DEFAULT now()
);

-- An operator asks one worker to drain: it stops claiming, finishes or gives back what it
-- holds, and exits (the next heartbeat tells it).
ALTER TABLE worker_heartbeats ADD COLUMN drain_requested_at timestamptz;
