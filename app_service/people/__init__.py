"""People who run an account: users with a role per account, invitations, passwords and
second factors, sign-in sessions, and the audit log of what they (and keys) change.

Only this package runs the people queries; the dashboard and the CLI call its functions."""
