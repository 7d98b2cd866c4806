-- 0013_sms_senders: per-account SMS sender identities, and replies routed by the number the
-- customer wrote to.
--
-- An account may send from its own origination identity (a phone number or an End User
-- Messaging pool) and own the numbers customers reply to; without one it sends from the
-- platform's shared identity (REMINDERLY_SMS_ORIGINATION). Carriers treat an opt-out as one
-- subscriber's STOP to one sending number: a STOP to an account's own number opts the phone
-- out of that account only; a STOP to a shared number applies to every account that sends
-- from the shared identity (shared consent, documented in the README).

ALTER TABLE accounts ADD COLUMN sms_origination text
    CHECK (sms_origination ~ '^[A-Za-z0-9_:/.+-]+$' AND length(sms_origination) <= 256);

-- The numbers replies arrive at. account_id NULL: a number of the platform's shared identity.
CREATE TABLE sms_sender_numbers (
    number     text PRIMARY KEY CHECK (number ~ '^\+[1-9][0-9]{6,14}$'),
    account_id bigint REFERENCES accounts (id),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sms_sender_numbers_account_idx ON sms_sender_numbers (account_id);
