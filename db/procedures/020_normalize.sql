-- Normalisation and checks used by validate_packet(), one row at a time inside a set-based
-- INSERT ... SELECT. tests/test_normalize.py cross-checks them against phonenumbers and
-- email-validator.

-- Refresh the list of IANA zone names from the server's own tz database (validate joins it:
-- pg_timezone_names is a function that reads the tz files on every call).
DELETE FROM timezones;
INSERT INTO timezones (name) SELECT name FROM pg_timezone_names ON CONFLICT DO NOTHING;

-- Is `nsn` a valid national significant number in a region of `calling_code`? One match
-- against the calling code's combined pattern (db/tools/gen_phone_regions.py).
CREATE OR REPLACE FUNCTION phone_is_valid(calling_code text, nsn text) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT coalesce(nsn ~ (SELECT c.pattern FROM phone_calling_codes c
                           WHERE c.calling_code = phone_is_valid.calling_code), false)
$$;

-- Is `nsn` valid in region `r` itself? The fast path: most numbers in a packet belong to the
-- account's own country, and one region's pattern is far cheaper than the calling code's.
CREATE OR REPLACE FUNCTION phone_is_valid_in(r phone_regions, nsn text) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT length(nsn) = ANY (r.lengths) AND nsn ~ ('^(?:' || r.valid_pattern || ')$')
$$;

-- Phone number in any common national or international format -> E.164, or NULL if invalid.
-- National numbers are read in region `r` (the account's default country; validate_packet
-- looks its row up once per packet).
CREATE OR REPLACE FUNCTION normalize_phone(raw text, r phone_regions) RETURNS text
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
DECLARE
    s      text;
    digits text;
    intl   text;
    nsn    text;
BEGIN
    IF raw IS NULL THEN
        RETURN NULL;
    END IF;
    s := regexp_replace(raw, '[[:space:]().\-/]', '', 'g');
    IF s !~ '^\+?[0-9]{3,17}$' THEN
        RETURN NULL;
    END IF;
    IF left(s, 1) = '+' THEN
        digits := substr(s, 2);
    ELSIF r.region IS NULL THEN
        RETURN NULL;
    ELSE
        -- the outer group is the first one, so substring() returns the whole prefix
        intl := substring(s FROM '^(' || coalesce(r.international_prefix, '00') || ')');
        IF intl IS NOT NULL AND intl <> '' THEN
            digits := substr(s, length(intl) + 1);
        ELSE
            -- national format: with its trunk prefix (0..., 1...) or without
            IF r.national_prefix IS NOT NULL AND left(s, length(r.national_prefix)) = r.national_prefix THEN
                nsn := substr(s, length(r.national_prefix) + 1);
                IF phone_is_valid_in(r, nsn) OR phone_is_valid(r.calling_code, nsn) THEN
                    RETURN '+' || r.calling_code || nsn;
                END IF;
            END IF;
            IF phone_is_valid_in(r, s) OR phone_is_valid(r.calling_code, s) THEN
                RETURN '+' || r.calling_code || s;
            END IF;
            RETURN NULL;
        END IF;
    END IF;
    -- international: the account's own country first, then any (calling codes are prefix-free)
    IF r.calling_code IS NOT NULL AND left(digits, length(r.calling_code)) = r.calling_code
       AND phone_is_valid_in(r, substr(digits, length(r.calling_code) + 1)) THEN
        RETURN '+' || digits;
    END IF;
    FOR i IN 1..3 LOOP
        IF phone_is_valid(left(digits, i), substr(digits, i + 1)) THEN
            RETURN '+' || digits;
        END IF;
    END LOOP;
    RETURN NULL;
END
$$;

-- The same, reading `region` (ISO country code) from phone_regions.
CREATE OR REPLACE FUNCTION normalize_phone(raw text, region text) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT normalize_phone(raw, (SELECT r FROM phone_regions r WHERE r.region = normalize_phone.region))
$$;

-- Email address -> address with its domain lower-cased, or NULL unless it has the syntax of
-- a deliverable address: dot-atom local part of at most 64 characters, a domain of DNS labels
-- (1-63 characters, no leading or trailing hyphen) under an alphabetic TLD that is not a
-- special-use name (RFC 6761: localhost, test, invalid, ...). Written as several small
-- patterns: one pattern with bounded repeats per label costs 20x more in PostgreSQL.
CREATE OR REPLACE FUNCTION normalize_email(raw text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
    SELECT CASE
        WHEN raw IS NULL OR length(btrim(raw)) > 254 OR btrim(raw) !~ '^[^@]+@[^@]+$' THEN NULL
        WHEN split_part(btrim(raw), '@', 1) !~ $re$^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$$re$
            OR length(split_part(btrim(raw), '@', 1)) > 64 THEN NULL
        WHEN lower(split_part(btrim(raw), '@', 2)) !~ '^[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,63}$'
            OR split_part(btrim(raw), '@', 2) ~ '(^|\.)-|-(\.|$)|[^.]{64}'
            OR lower(substring(btrim(raw) FROM '[^.]+$')) IN ('arpa', 'invalid', 'local', 'localhost', 'onion', 'test')
            THEN NULL
        ELSE split_part(btrim(raw), '@', 1) || '@' || lower(split_part(btrim(raw), '@', 2))
    END
$fn$;

-- ISO 8601 date-time text -> timestamptz; without an offset it is wall-clock time in `tz`.
-- NULL when the text is not ISO 8601 or not a real date (2026-02-30), never an exception.
CREATE OR REPLACE FUNCTION parse_local_timestamp(raw text, tz text) RETURNS timestamptz
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN raw !~ '^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}(:?\d{2})?)?$'
            THEN NULL
        WHEN raw ~ '(Z|[+-]\d{2}(:?\d{2})?)$' THEN
            CASE WHEN pg_input_is_valid(raw, 'timestamptz') THEN raw::timestamptz END
        WHEN tz IS NULL OR NOT pg_input_is_valid(raw, 'timestamp') THEN NULL
        ELSE raw::timestamp AT TIME ZONE tz
    END
$$;
