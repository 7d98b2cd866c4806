-- 0023_sign_in_method: an account may require single sign-on for its members (the stage's
-- identity provider, through the load balancer's authenticate-oidc action). Sessions record
-- whether they began through SSO, so a password session stops opening an account the moment
-- the account requires SSO (people_session in db/procedures/160_people.sql).

ALTER TABLE accounts
    ADD COLUMN sign_in_method text NOT NULL DEFAULT 'password'
        CHECK (sign_in_method IN ('password', 'sso'));
ALTER TABLE dashboard_sessions ADD COLUMN sso boolean NOT NULL DEFAULT false;
