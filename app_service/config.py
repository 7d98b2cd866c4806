"""Every setting the processes take from the environment, read and checked in one place.

`Settings.from_env()` is the only reader of `os.environ` in app_service (one exception, for its
reason: `cli/client_gen.py` hands the environment on to the generator it runs). Entry points
build one `Settings` and pass it on: `create_app(settings)`, the CLI's root group (through
click's context) and the worker's wiring. A malformed or missing variable raises
`SettingsError`, one line naming it: the CLI exits 1 with it, the API refuses to start.

Library modules several calls below an entry point (the template sandbox, telemetry, the
webhook policy) read `current()`: the settings an entry point installed, else a fresh read.
The variable names and defaults are the ones the deployed task definitions (stacks/) set.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from app_service.resources import default_data_dir

BOOTSTRAP_PASSWORDS = {
    "reminderly_owner": "REMINDERLY_OWNER_PASSWORD",
    "reminderly_api_login": "REMINDERLY_API_LOGIN_PASSWORD",
    "reminderly_worker_login": "REMINDERLY_WORKER_LOGIN_PASSWORD",
}
"""The service logins' first passwords, which `reminderly db bootstrap` sets (role: variable)."""

AWS_CHANNEL = (
    "REMINDERLY_SES_FROM",
    "REMINDERLY_SES_CONFIGURATION_SET",
    "REMINDERLY_SMS_ORIGINATION",
)
"""What `reminderly worker --channel aws` cannot send without."""

LIBPQ_VARIABLES = frozenset({"PGSSLMODE", "PGSSLROOTCERT", "PGPORT"})
"""Variables the stacks set for libpq itself (psycopg hands them to it); no setting of ours."""


class SettingsError(ValueError):
    """A missing or malformed environment variable (the message names it)."""


class _Reader:
    """Typed reads of one environment mapping, remembering which variables were read."""

    def __init__(self, env: Mapping[str, str]):
        self.env = env
        self.read: list[str] = []

    def text(self, name: str, default: str | None = None) -> str | None:
        self.read.append(name)
        return self.env.get(name) or default

    def integer(self, name: str, default: int, low: int = 0, high: int | None = None) -> int:
        raw = self.text(name)
        if raw is None:
            return default
        try:
            value = int(raw)
        except ValueError:
            raise SettingsError(f"{name} must be a whole number, not {raw!r}") from None
        return self._bounded(name, value, low, high)

    def number(
        self, name: str, default: float | None, low: float = 0.0, high: float | None = None
    ) -> float | None:
        raw = self.text(name)
        if raw is None:
            return default
        try:
            value = float(raw)
        except ValueError:
            raise SettingsError(f"{name} must be a number, not {raw!r}") from None
        if value != value:  # NaN
            raise SettingsError(f"{name} must be a number, not {raw!r}")
        return self._bounded(name, value, low, high)

    @staticmethod
    def _bounded(name: str, value: Any, low: Any, high: Any) -> Any:
        if value < low or (high is not None and value > high):
            span = f"at least {low}" if high is None else f"between {low} and {high}"
            raise SettingsError(f"{name} must be {span}, not {value}")
        return value


@dataclass(frozen=True, kw_only=True)
class Settings:
    """Process settings read once from the environment (`from_env`); secrets stay out of repr."""

    # where the data is
    database_url: str | None = None
    data_dir: Path = field(default_factory=default_data_dir)
    db_secret_id: str | None = None
    pg_user: str | None = None
    pg_password: str | None = field(default=None, repr=False)
    pg_database: str = "reminderly"
    db_max_lifetime_seconds: float = 3600.0
    # the deployment
    stage: str | None = None
    public_url: str | None = None
    link_secret: str | None = field(default=None, repr=False)
    aws_region: str | None = None
    emf_environment: str | None = None
    log_level: str = "INFO"
    bootstrap_passwords: Mapping[str, str] = field(default_factory=dict, repr=False)
    """Variable name -> value, for those of BOOTSTRAP_PASSWORDS that are set."""
    # the API and gunicorn
    port: int = 8080
    web_concurrency: int = 2
    gunicorn_threads: int = 4
    api_pool_size: int = 8
    api_db_timeout_seconds: float = 5.0
    async_packet_bytes: int = 8 << 20
    validate_responses: bool = True
    sns_topics: frozenset[str] = frozenset()
    keyless_per_minute: int = 600
    sign_in_failures_per_minute: int = 30
    proxy_hops: int = 0
    sso_alb_arn: str | None = None
    sso_issuer: str | None = None
    # sending (the worker)
    ses_from: str | None = None
    ses_configuration_set: str | None = None
    sms_origination: str | None = None
    sms_configuration_set: str = "reminderly"
    sms_secondary_origination: str | None = None
    sms_route_failure_share: float = 0.5
    sms_route_seconds: float = 60.0
    staff_mail_from: str | None = None
    inflight: int = 64
    sms_rate: float | None = None
    email_rate: float | None = None
    last_write_parameter: str | None = None
    dr_region: str | None = None
    # the template sandbox
    render_timeout_seconds: float = 1.0
    render_memory_mb: int = 128
    render_processes: int = 2
    # events and webhooks
    event_retention_days: float = 30.0
    # customers not seen for this long lose their personal data (purge_pii, daily); 0: never
    pii_retention_days: float = 365.0
    webhook_retry_hours: float = 72.0
    webhook_disable_after_hours: float = 120.0
    webhooks_dev: bool = False

    @classmethod
    def from_env(
        cls, env: Mapping[str, str] | None = None, *, require: tuple[str, ...] = ()
    ) -> Settings:
        """Read and check every variable (`env`: os.environ by default); `require` names
        variables that must be set for the caller's job."""
        return cls._read(_Reader(os.environ if env is None else env), require)

    @classmethod
    def variables(cls) -> frozenset[str]:
        """The name of every environment variable `from_env` reads."""
        reader = _Reader({})
        cls._read(reader, ())
        return frozenset(reader.read)

    @classmethod
    def _read(cls, r: _Reader, require: tuple[str, ...]) -> Settings:
        for name in require:
            if not r.env.get(name):
                raise SettingsError(f"{name} is not set")
        url = r.text("DATABASE_URL")
        if url is None and r.text("PGHOST"):
            # In ECS the credentials arrive as PG* variables from Secrets Manager; libpq
            # completes an empty URL from them.
            url = "postgresql://"
        data_dir = r.text("REMINDERLY_DATA_DIR")
        xdg_data_home = r.text("XDG_DATA_HOME")
        return cls(
            database_url=url,
            data_dir=Path(data_dir) if data_dir else default_data_dir(xdg_data_home),
            db_secret_id=r.text("REMINDERLY_DB_SECRET_ID"),
            pg_user=r.text("PGUSER"),
            pg_password=r.text("PGPASSWORD"),
            pg_database=r.text("PGDATABASE", "reminderly"),
            db_max_lifetime_seconds=r.number("REMINDERLY_DB_MAX_LIFETIME_SECONDS", 3600.0, 1.0),
            stage=r.text("REMINDERLY_STAGE"),
            public_url=r.text("REMINDERLY_PUBLIC_URL"),
            link_secret=r.text("REMINDERLY_LINK_SECRET"),
            aws_region=r.text("AWS_REGION"),
            emf_environment=r.text("AWS_EMF_ENVIRONMENT"),
            log_level=_log_level(r.text("LOG_LEVEL", "INFO")),
            bootstrap_passwords={
                v: value for v in BOOTSTRAP_PASSWORDS.values() if (value := r.text(v))
            },
            port=r.integer("PORT", 8080, 1, 65535),
            web_concurrency=r.integer("WEB_CONCURRENCY", 2, 1),
            gunicorn_threads=r.integer("GUNICORN_THREADS", 4, 1),
            api_pool_size=r.integer("REMINDERLY_API_POOL_SIZE", 8, 1),
            api_db_timeout_seconds=r.number("REMINDERLY_API_DB_TIMEOUT_SECONDS", 5.0, 0.1),
            async_packet_bytes=r.integer("REMINDERLY_ASYNC_PACKET_BYTES", 8 << 20, 1),
            validate_responses=r.text("REMINDERLY_VALIDATE_RESPONSES", "1") != "0",
            sns_topics=frozenset(
                t.strip() for t in (r.text("REMINDERLY_SNS_TOPICS") or "").split(",") if t.strip()
            ),
            keyless_per_minute=r.integer("REMINDERLY_KEYLESS_PER_MINUTE", 600, 1),
            sign_in_failures_per_minute=r.integer("REMINDERLY_SIGN_IN_FAILURES_PER_MINUTE", 30, 1),
            proxy_hops=r.integer("REMINDERLY_PROXY_HOPS", 0, 0),
            sso_alb_arn=r.text("REMINDERLY_SSO_ALB_ARN"),
            sso_issuer=r.text("REMINDERLY_SSO_ISSUER"),
            ses_from=r.text("REMINDERLY_SES_FROM"),
            ses_configuration_set=r.text("REMINDERLY_SES_CONFIGURATION_SET"),
            sms_origination=r.text("REMINDERLY_SMS_ORIGINATION"),
            sms_configuration_set=r.text("REMINDERLY_SMS_CONFIGURATION_SET", "reminderly"),
            sms_secondary_origination=r.text("REMINDERLY_SMS_SECONDARY_ORIGINATION"),
            # checked further by the SMS route's policy (worker/channels/sms_route.py)
            sms_route_failure_share=r.number("REMINDERLY_SMS_ROUTE_FAILURE_SHARE", 0.5, -1e9),
            sms_route_seconds=r.number("REMINDERLY_SMS_ROUTE_SECONDS", 60.0, -1e9),
            staff_mail_from=r.text("REMINDERLY_STAFF_MAIL_FROM"),
            inflight=r.integer("REMINDERLY_INFLIGHT", 64, 1, 1024),
            sms_rate=r.number("REMINDERLY_SMS_RATE", None, 0.01),
            email_rate=r.number("REMINDERLY_EMAIL_RATE", None, 0.01),
            last_write_parameter=r.text("REMINDERLY_LAST_WRITE_PARAMETER"),
            dr_region=r.text("REMINDERLY_DR_REGION"),
            render_timeout_seconds=r.number("REMINDERLY_RENDER_TIMEOUT_SECONDS", 1.0, 0.01),
            render_memory_mb=r.integer("REMINDERLY_RENDER_MEMORY_MB", 128, 16),
            render_processes=r.integer("REMINDERLY_RENDER_PROCESSES", 2, 1),
            event_retention_days=r.number("REMINDERLY_EVENT_RETENTION_DAYS", 30.0, 0.0),
            pii_retention_days=r.number("REMINDERLY_PII_RETENTION_DAYS", 365.0, 0.0),
            webhook_retry_hours=r.number("REMINDERLY_WEBHOOK_RETRY_HOURS", 72.0, 0.0),
            webhook_disable_after_hours=r.number(
                "REMINDERLY_WEBHOOK_DISABLE_AFTER_HOURS", 120.0, 0.0
            ),
            webhooks_dev=r.text("REMINDERLY_WEBHOOKS_DEV") == "1",
        )

    def missing(self, *variables: str) -> list[str]:
        """Which of `variables` (AWS_CHANNEL, BOOTSTRAP_PASSWORDS' names) are not set."""
        fields = {
            "REMINDERLY_SES_FROM": self.ses_from,
            "REMINDERLY_SES_CONFIGURATION_SET": self.ses_configuration_set,
            "REMINDERLY_SMS_ORIGINATION": self.sms_origination,
            "PGUSER": self.pg_user,
            "PGPASSWORD": self.pg_password,
        }
        return [v for v in variables if not (fields.get(v) or self.bootstrap_passwords.get(v))]

    def with_(self, **changes: Any) -> Settings:
        """A copy with some settings changed (tests, command-line overrides)."""
        return replace(self, **changes)

    @property
    def pgdata(self) -> Path:
        return self.data_dir / "pgdata"

    @property
    def public_url_or_local(self) -> str:
        """Where links in messages point: REMINDERLY_PUBLIC_URL, else the local server."""
        return self.public_url or "http://localhost:8080"


def _log_level(value: str | None) -> str:
    level = (value or "INFO").upper()
    if level not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
        raise SettingsError(
            f"LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL, not {value!r}"
        )
    return level


_installed: Settings | None = None


def install(settings: Settings | None) -> None:
    """Make `settings` what `current()` returns in this process (an entry point's start)."""
    global _installed
    _installed = settings


def current() -> Settings:
    """The installed settings, else a fresh read of the environment."""
    return _installed if _installed is not None else Settings.from_env()


@contextmanager
def using(settings: Settings) -> Iterator[Settings]:
    """`current()` is `settings` inside the block (one CLI invocation)."""
    global _installed
    before, _installed = _installed, settings
    try:
        yield settings
    finally:
        _installed = before
