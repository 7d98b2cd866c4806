-- 0014_operator_scope: creating accounts belongs to the platform's operators, not to a
-- tenant's admin key (one tenant could otherwise mint tenants, each with its own rate limit).
-- An operator key carries the scope 'operator'; only the CLI grants it (the API's key
-- creation takes read, write and admin only). It implies no tenant scope.
ALTER TABLE api_keys DROP CONSTRAINT api_keys_scopes_check;
ALTER TABLE api_keys ADD CONSTRAINT api_keys_scopes_check
    CHECK (cardinality(scopes) > 0 AND scopes <@ ARRAY['read', 'write', 'admin', 'operator']);
