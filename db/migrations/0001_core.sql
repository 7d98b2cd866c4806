-- 0001_core: the tables of the packet and campaign data flow.
--
-- Every tenant-owned row carries account_id (row-level security keys on it).
-- The high-volume tables (customers, packet_rows, appointments, messages, message_events)
-- carry no foreign keys: only the procedures write them, deriving every id from the parent
-- row they just joined, and FK checks cost about 8 us per row per key (measured: two thirds
-- of plan_packet's time). check_references() in db/procedures proves it in the tests.
-- Statuses are text with CHECK constraints: readable in psql and in reports, cheap to extend.
-- Indexes live in 0002_indexes.sql, each beside the query it serves.

-- A business using reminderly (the tenant).
CREATE TABLE accounts (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name            text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    default_country text        NOT NULL DEFAULT 'US' CHECK (default_country ~ '^[A-Z]{2}$'),
    timezone        text        NOT NULL DEFAULT 'UTC',
    created_at      timestamptz NOT NULL DEFAULT now()
);

-- A place of business; its timezone is the default for its rows, its review URL the target
-- of review requests.
CREATE TABLE locations (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id  bigint      NOT NULL REFERENCES accounts (id),
    external_id text        NOT NULL CHECK (length(external_id) BETWEEN 1 AND 200),
    name        text,
    timezone    text,
    review_url  text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (account_id, external_id)
);

-- A person to message. external_id is the business's own id, unique per account.
-- phone is E.164; the *_opted_out_at columns are the current state of the consent ledger.
CREATE TABLE customers (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id         bigint      NOT NULL,
    external_id        text        NOT NULL CHECK (length(external_id) BETWEEN 1 AND 200),
    first_name         text,
    last_name          text,
    phone              text        CHECK (phone ~ '^\+[1-9][0-9]{6,14}$'),
    email              text        CHECK (length(email) <= 254),
    timezone           text,
    locale             text,
    sms_opted_out_at   timestamptz,
    email_opted_out_at timestamptz,
    last_seen_at       timestamptz NOT NULL DEFAULT now(),
    pii_purged_at      timestamptz,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    UNIQUE (account_id, external_id)
);

-- Consent ledger: every opt-in and opt-out per customer and channel, with its source.
-- Append-only; customers.*_opted_out_at is derived from it by record_consent().
CREATE TABLE consent_events (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id  bigint      NOT NULL REFERENCES accounts (id),
    customer_id bigint      NOT NULL REFERENCES customers (id),
    channel     text        NOT NULL CHECK (channel IN ('sms', 'email')),
    action      text        NOT NULL CHECK (action IN ('opt_in', 'opt_out')),
    source      text        NOT NULL CHECK (length(source) BETWEEN 1 AND 100),
    note        text,
    occurred_at timestamptz NOT NULL DEFAULT now()
);

-- A campaign: what is sent (steps), when (relative to the appointment, inside the send
-- window in the recipient's timezone) and how often it is retried.
CREATE TABLE campaigns (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id        bigint      NOT NULL REFERENCES accounts (id),
    name              text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    kind              text        NOT NULL CHECK (kind IN ('reminder', 'survey', 'review_request')),
    channel           text        NOT NULL CHECK (channel IN ('sms', 'email')),
    status            text        NOT NULL DEFAULT 'draft'
                                  CHECK (status IN ('draft', 'active', 'paused', 'archived')),
    send_window_start time        NOT NULL DEFAULT '09:00',
    send_window_end   time        NOT NULL DEFAULT '20:00',
    -- defer: wait for the window to open; advance: send at the last window close before.
    window_policy     text        NOT NULL DEFAULT 'defer' CHECK (window_policy IN ('defer', 'advance')),
    max_attempts      smallint    NOT NULL DEFAULT 5 CHECK (max_attempts BETWEEN 1 AND 20),
    retry_base        interval    NOT NULL DEFAULT '30 seconds',
    retry_max         interval    NOT NULL DEFAULT '1 hour',
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    archived_at       timestamptz,
    CHECK (send_window_start < send_window_end),
    CHECK (retry_base > interval '0' AND retry_max >= retry_base)
);

-- One schedule step of a campaign: send at appointment + offset (wall-clock time in the
-- recipient's zone), or, with local_time, on that day at that local time ("next morning").
CREATE TABLE campaign_steps (
    campaign_id bigint   NOT NULL REFERENCES campaigns (id),
    step        smallint NOT NULL CHECK (step BETWEEN 1 AND 20),
    name        text     NOT NULL,
    send_offset interval NOT NULL,
    local_time  time,
    channel     text     NOT NULL CHECK (channel IN ('sms', 'email')),
    template    text     NOT NULL CHECK (length(template) BETWEEN 1 AND 10000),
    subject     text,
    PRIMARY KEY (campaign_id, step)
);

-- A data packet: one batch of rows submitted for a campaign.
-- received -> loaded -> validated -> ready -> dispatching -> completed | failed | cancelled
CREATE TABLE packets (
    id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id           bigint      NOT NULL REFERENCES accounts (id),
    campaign_id          bigint      NOT NULL REFERENCES campaigns (id),
    status               text        NOT NULL DEFAULT 'received'
                         CHECK (status IN ('received', 'loaded', 'validated', 'ready',
                                           'dispatching', 'completed', 'failed', 'cancelled')),
    source               text        NOT NULL CHECK (source IN ('csv', 'json', 'rows')),
    filename             text,
    idempotency_key      text        CHECK (length(idempotency_key) <= 200),
    checksum             bytea,
    rows_submitted       integer     NOT NULL DEFAULT 0,
    rows_accepted        integer     NOT NULL DEFAULT 0,
    rows_rejected        integer     NOT NULL DEFAULT 0,
    appointments_new     integer     NOT NULL DEFAULT 0,
    appointments_moved   integer     NOT NULL DEFAULT 0,
    appointments_cancelled integer   NOT NULL DEFAULT 0,
    appointments_unchanged integer   NOT NULL DEFAULT 0,
    messages_planned     integer     NOT NULL DEFAULT 0,
    failure_reason       text,
    received_at          timestamptz NOT NULL DEFAULT now(),
    loaded_at            timestamptz,
    validated_at         timestamptz,
    ready_at             timestamptz,
    dispatching_at       timestamptz,
    completed_at         timestamptz,
    failed_at            timestamptz,
    UNIQUE (campaign_id, idempotency_key)
);

-- Staging: every submitted row, raw as sent, with its normalised values or its error.
-- Filled by validate_packet() from the load's COPY; rows with error_reason are rejected.
CREATE TABLE packet_rows (
    packet_id       bigint  NOT NULL,
    row_no          integer NOT NULL,
    customer_id     text,
    first_name      text,
    last_name       text,
    phone           text,
    email           text,
    timezone        text,
    appointment_id  text,
    appointment_at  text,
    status          text,
    location_id     text,
    extra           jsonb,
    -- normalised by validate_packet()
    phone_e164      text,
    email_norm      text,
    tz              text,
    starts_at       timestamptz,
    appointment_key text,
    -- rejection: the first failing column and why (NULL when the row was accepted)
    error_column    text,
    error_reason    text,
    PRIMARY KEY (packet_id, row_no)
);

-- The business's appointment (or visit). A later packet with the same external id moves or
-- cancels it, and that replans or cancels its pending messages.
CREATE TABLE appointments (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id     bigint      NOT NULL,
    external_id    text        NOT NULL,
    customer_id    bigint      NOT NULL,
    location_id    bigint,
    starts_at      timestamptz NOT NULL,
    timezone       text        NOT NULL,
    status         text        NOT NULL DEFAULT 'booked' CHECK (status IN ('booked', 'cancelled')),
    merge_fields   jsonb       NOT NULL DEFAULT '{}',
    last_packet_id bigint      NOT NULL,
    -- what the last packet did to it: new | moved | cancelled | unchanged (set by plan_packet,
    -- so the upsert returns it without joining the old rows)
    last_change    text        NOT NULL DEFAULT 'new'
                   CHECK (last_change IN ('new', 'moved', 'cancelled', 'unchanged')),
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (account_id, external_id)
);

-- One message to one customer for one appointment and one step of one campaign.
-- scheduled -> ready -> (claimed: ready with a lease) -> sent -> delivered | failed -> retry
-- | dead, or suppressed (with a reason) / cancelled. Unique per (campaign, appointment, step,
-- customer). A claim only sets the lease columns, which no index covers, so it is a HOT
-- update (no index writes) and moves no rollup counter; fillfactor leaves the room for it.
-- Like a queue's visibility timeout: a claimed message is a ready message with a lease.
CREATE TABLE messages (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id          bigint      NOT NULL,
    campaign_id         bigint      NOT NULL,
    packet_id           bigint      NOT NULL,
    customer_id         bigint      NOT NULL,
    appointment_id      bigint      NOT NULL,
    step                smallint    NOT NULL,
    channel             text        NOT NULL CHECK (channel IN ('sms', 'email')),
    status              text        NOT NULL
                        CHECK (status IN ('scheduled', 'ready', 'sent', 'delivered',
                                          'failed', 'retry', 'dead', 'suppressed', 'cancelled')),
    reason              text        NOT NULL DEFAULT '',
    send_at             timestamptz NOT NULL,
    attempts            smallint    NOT NULL DEFAULT 0,
    lease_owner         text,
    lease_expires_at    timestamptz,
    last_error          text,
    provider_message_id text,
    sent_at             timestamptz,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    -- (campaign, appointment) leads: replan and cancel look messages up by it
    CONSTRAINT messages_once UNIQUE (campaign_id, appointment_id, step, customer_id),
    CHECK (lease_expires_at IS NULL OR status = 'ready'),
    CHECK ((lease_owner IS NULL) = (lease_expires_at IS NULL))
) WITH (fillfactor = 75);

-- Interaction history per message: delivery receipts, clicks, replies, survey scores.
CREATE TABLE message_events (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id  bigint      NOT NULL,
    campaign_id bigint      NOT NULL,
    message_id  bigint      NOT NULL,
    customer_id bigint      NOT NULL,
    kind        text        NOT NULL,
    data        jsonb       NOT NULL DEFAULT '{}',
    occurred_at timestamptz NOT NULL DEFAULT now()
);

-- Archived campaigns' messages and events leave the hot tables for these.
CREATE TABLE messages_archive (LIKE messages INCLUDING DEFAULTS);
CREATE TABLE message_events_archive (LIKE message_events INCLUDING DEFAULTS);

-- Rollups kept in the same transaction as every message state change (trigger in
-- db/procedures), so a campaign's or packet's counts cost O(1) reads at any size.
-- slot spreads concurrent writers over rows (pg_backend_pid() % 16) so they never queue
-- on one counter row; readers sum the slots.
CREATE TABLE campaign_message_counts (
    campaign_id bigint   NOT NULL,
    status      text     NOT NULL,
    reason      text     NOT NULL,
    slot        smallint NOT NULL,
    n           bigint   NOT NULL,
    PRIMARY KEY (campaign_id, status, reason, slot)
);

CREATE TABLE packet_message_counts (
    packet_id bigint   NOT NULL,
    status    text     NOT NULL,
    reason    text     NOT NULL,
    slot      smallint NOT NULL,
    n         bigint   NOT NULL,
    PRIMARY KEY (packet_id, status, reason, slot)
);

-- Reference data for validation, refreshed by db/procedures (from the phonenumbers library's
-- metadata and from the server's own timezone database).
CREATE TABLE phone_regions (
    region         text PRIMARY KEY,
    calling_code   text      NOT NULL,
    national_prefix text,
    international_prefix text,
    valid_pattern  text      NOT NULL,
    lengths        integer[] NOT NULL
);

-- One pattern per calling code: every region's valid numbers with their possible lengths
-- (lookaheads), so checking a number is one regular-expression match.
CREATE TABLE phone_calling_codes (
    calling_code text PRIMARY KEY,
    pattern      text NOT NULL
);

CREATE TABLE timezones (
    name text PRIMARY KEY
);
