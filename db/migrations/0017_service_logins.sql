-- Least-privilege logins, one per part of the service, so that no running task connects as
-- the database's master user:
--
--   reminderly_owner          runs the migrations and owns the schema (CREATEROLE: it creates
--                             and grants the roles below). In AWS it is created first, with its
--                             secret's password, by `reminderly db bootstrap` (the one task
--                             that reads the master secret); here it is created without one.
--   reminderly_api_login      the API's login: DML on the tables, no DDL, no ownership, no
--                             BYPASSRLS; switches to reminderly_api (tenant isolation) per
--                             request, a membership without INHERIT so the tenant policies do
--                             not apply to the login itself.
--   reminderly_worker_login   the worker's login (and one-off commands run as the worker task):
--                             DML, plus ANALYZE (MAINTAIN) on the hot tables it analyzes.
--
-- Passwords are never set here (a migration cannot know a secret): `reminderly db bootstrap`
-- sets the initial ones from Secrets Manager, and the rotation functions change them after.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'reminderly_owner') THEN
        CREATE ROLE reminderly_owner LOGIN CREATEROLE;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'reminderly_api_login') THEN
        CREATE ROLE reminderly_api_login LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'reminderly_worker_login') THEN
        CREATE ROLE reminderly_worker_login LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
    END IF;
    EXECUTE format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO reminderly_api_login, reminderly_worker_login',
                   current_database());
    EXECUTE format('REVOKE CREATE ON DATABASE %I FROM PUBLIC', current_database());
END
$$;

-- No one but the owner creates objects in the schema.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO reminderly_api_login, reminderly_worker_login;

-- The API login may become the tenant role (SET ROLE), without inheriting its policies.
GRANT reminderly_api TO reminderly_api_login WITH INHERIT FALSE, SET TRUE;

-- Rows, not structure: the tables' rows, the sequences, the functions.
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public
    TO reminderly_api_login, reminderly_worker_login;
GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public
    TO reminderly_api_login, reminderly_worker_login;
GRANT EXECUTE ON ALL ROUTINES IN SCHEMA public TO reminderly_api_login, reminderly_worker_login;
-- the same on what later migrations create (they run as the same role as this one)
ALTER DEFAULT PRIVILEGES IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO reminderly_api_login, reminderly_worker_login;
ALTER DEFAULT PRIVILEGES IN SCHEMA public
    GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO reminderly_api_login, reminderly_worker_login;
ALTER DEFAULT PRIVILEGES IN SCHEMA public
    GRANT EXECUTE ON ROUTINES TO reminderly_api_login, reminderly_worker_login;

-- The worker's maintenance (analyze_hot_tables) needs ANALYZE on these only.
GRANT MAINTAIN ON messages, packets, packet_rows, customers, appointments,
                  campaign_message_counts, packet_message_counts TO reminderly_worker_login;

-- Row-level security denies every row to a role no policy names. The service logins act for
-- the platform (a key's lookup, the worker's dispatch), as the owner did: one permissive
-- policy for them on every table that has tenant policies. tests/test_service_logins.py
-- checks that every table with row-level security has it.
DO $$
DECLARE
    t text;
BEGIN
    FOR t IN
        SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND c.relrowsecurity
    LOOP
        EXECUTE format('CREATE POLICY service_logins ON %I TO reminderly_api_login, '
                       'reminderly_worker_login USING (true) WITH CHECK (true)', t);
    END LOOP;
END
$$;
