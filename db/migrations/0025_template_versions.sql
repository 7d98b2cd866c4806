-- 0025_template_versions: every change to a template keeps a version (who, when, the subject
-- and body), so the console can show the history, a diff between versions and restore one.
--
-- A template is a starting text: a campaign step copies it (StepInput.template_id), and the
-- worker renders a message from its campaign step, which cannot change once the campaign has
-- left draft. So a sent message is explained by its (campaign, step), not by a template
-- version, and nothing on the send path reads this table.
--
-- Append-only for the API's role (SELECT, INSERT): a version is never rewritten. The row
-- `templates.version` is the newest version's number; the console's save names the version it
-- edited, so two people editing at once cannot overwrite each other unseen.

ALTER TABLE templates ADD COLUMN version integer NOT NULL DEFAULT 1 CHECK (version >= 1);

CREATE TABLE template_versions (
    account_id    bigint      NOT NULL REFERENCES accounts (id),
    template_id   bigint      NOT NULL REFERENCES templates (id),
    version       integer     NOT NULL CHECK (version >= 1),
    subject       text        CHECK (length(subject) <= 500),
    body          text        NOT NULL CHECK (length(body) BETWEEN 1 AND 10000),
    author_user   bigint      REFERENCES users (id),
    author_key    bigint      REFERENCES api_keys (id),
    restored_from integer,    -- "restore this version": the version whose text this one took
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (template_id, version)
);

-- Templates made before this migration: their text as it is now becomes version 1 (author
-- unknown, dated when the template was last changed).
INSERT INTO template_versions (account_id, template_id, version, subject, body, created_at)
SELECT account_id, id, 1, subject, body, updated_at FROM templates;

GRANT SELECT, INSERT ON template_versions TO reminderly_api;

ALTER TABLE template_versions ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON template_versions TO reminderly_api
    USING (account_id = app_account_id()) WITH CHECK (account_id = app_account_id());
-- the permission matrix, as on every table the API's role writes (managers and above)
CREATE POLICY role_may_insert ON template_versions AS RESTRICTIVE FOR INSERT TO reminderly_api
    WITH CHECK (app_may_write('template_versions', 'INSERT'));

DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'reminderly_api_login') THEN
        CREATE POLICY service_logins ON template_versions TO reminderly_api_login,
            reminderly_worker_login USING (true) WITH CHECK (true);
    END IF;
END
$$;
