-- Normalisation and checks used by validate_packet(), one row at a time inside a set-based
-- INSERT ... SELECT. tests/test_normalize.py cross-checks them against phonenumbers and
-- email-validator.

-- Refresh the list of IANA zone names from the server's own tz database (validate joins it:
-- pg_timezone_names is a function that reads the tz files on every call).
DELETE FROM timezones;
INSERT INTO timezones (name) SELECT name FROM pg_timezone_names ON CONFLICT DO NOTHING;

-- Is `national` a valid national significant number in a region of `calling_code`?
CREATE OR REPLACE FUNCTION phone_is_valid(calling_code text, nsn text) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT EXISTS (
        SELECT 1 FROM phone_regions r
        WHERE r.calling_code = phone_is_valid.calling_code
          AND length(phone_is_valid.nsn) = ANY (r.lengths)
          AND phone_is_valid.nsn ~ ('^(?:' || r.valid_pattern || ')$'))
$$;

-- Phone number in any common national or international format -> E.164, or NULL if invalid.
-- National numbers are read in `region` (the account's default country).
CREATE OR REPLACE FUNCTION normalize_phone(raw text, region text) RETURNS text
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
DECLARE
    s      text;
    r      phone_regions;
    digits text;
    intl   text;
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
    ELSE
        SELECT * INTO r FROM phone_regions WHERE phone_regions.region = normalize_phone.region;
        IF NOT FOUND THEN
            RETURN NULL;
        END IF;
        -- the outer group is the first one, so substring() returns the whole prefix
        intl := substring(s FROM '^(' || coalesce(r.international_prefix, '00') || ')');
        IF intl IS NOT NULL AND intl <> '' THEN
            digits := substr(s, length(intl) + 1);
        ELSE
            -- national format: with its trunk prefix (0..., 1...) or without
            IF r.national_prefix IS NOT NULL AND left(s, length(r.national_prefix)) = r.national_prefix
               AND phone_is_valid(r.calling_code, substr(s, length(r.national_prefix) + 1)) THEN
                RETURN '+' || r.calling_code || substr(s, length(r.national_prefix) + 1);
            END IF;
            IF phone_is_valid(r.calling_code, s) THEN
                RETURN '+' || r.calling_code || s;
            END IF;
            RETURN NULL;
        END IF;
    END IF;
    -- international: calling codes are prefix-free, 1 to 3 digits
    FOR i IN 1..3 LOOP
        IF phone_is_valid(left(digits, i), substr(digits, i + 1)) THEN
            RETURN '+' || digits;
        END IF;
    END LOOP;
    RETURN NULL;
END
$$;

-- Email address -> address with its domain lower-cased, or NULL unless it has the syntax of
-- a deliverable address: dot-atom local part, a domain of DNS labels under an alphabetic TLD
-- that is not a special-use name (RFC 6761: localhost, test, invalid, ...).
CREATE OR REPLACE FUNCTION normalize_email(raw text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
    SELECT CASE
        WHEN e IS NULL OR length(e) > 254 THEN NULL
        WHEN e !~ $re$^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$$re$
            THEN NULL
        WHEN length(split_part(e, '@', 1)) > 64 THEN NULL
        WHEN lower(substring(e FROM '([^.]+)$')) IN ('arpa', 'invalid', 'local', 'localhost', 'onion', 'test')
            THEN NULL
        ELSE split_part(e, '@', 1) || '@' || lower(split_part(e, '@', 2))
    END
    FROM (SELECT btrim(raw) AS e) AS x
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
