"""Typed per-stage configuration: the same stack classes serve dev, staging and prod.

The committed accounts, domains, identities and paging targets are placeholders until a
platform engineer sets them: staging, prod and the pipeline refuse to synthesize until then
(`require_settings`, one error listing everything still to set); dev synthesizes with a warning.
Availability zones are pinned in cdk.context.json so synth makes no AWS call.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from deploy_contract.naming import resource_prefix


@dataclass(frozen=True)
class AlarmThresholds:
    """Where the alarms fire; each alarm's runbook says what to do."""

    rds_cpu_percent: float = 80.0
    rds_free_storage_gib: float = 10.0
    rds_freeable_memory_mib: float = 256.0
    rds_connections: float = 400.0
    rds_max_used_transaction_ids: float = 1_000_000_000.0  # wraparound at about 2.1 billion
    replica_lag_seconds: float = 900.0


@dataclass(frozen=True)
class SsoConfig:
    """An OpenID Connect provider for the console's optional single sign-on (the load
    balancer's authenticate-oidc on /login/sso). The client secret is read from Secrets
    Manager by the load balancer at deploy time (its name here, never the secret)."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    user_info_endpoint: str
    client_id: str
    client_secret_name: str


@dataclass(frozen=True)
class StageConfig:
    name: str
    account: str
    region: str
    dr_region: str
    vpc_cidr: str
    max_azs: int
    nat_gateways: int
    db_instance_type: str  # e.g. "t4g.medium": class.size, as ec2.InstanceType takes it
    db_allocated_storage_gib: int
    db_max_allocated_storage_gib: int
    db_multi_az: bool
    db_backup_retention_days: int
    db_deletion_protection: bool
    # PostgreSQL 18, as the embedded server; a pinned minor, raised deliberately
    db_engine_version: str = "VER_18_3"
    runbook_base_url: str = "https://github.com/reminderly/reminderly/blob/main/runbooks"
    log_retention_days: int = 30
    backup_vault_lock: bool = False
    # Stateful resources (KMS keys, log groups, buckets, vaults, the zone) outlive their stack and
    # the database leaves a final snapshot; False (dev): they are deleted with their stack.
    retain_data: bool = True
    # A cross-region read replica of the database in dr_region, which the standby tier's
    # monitoring watches (replica-lag-high); without it the DR region holds replicated backups.
    dr_replica: bool = False
    # The API's public name (links in messages, the SNS subscription, the certificate), an
    # alias record in the Route 53 zone `hosted_zone_name`: imported when `hosted_zone_id` is
    # set, else created by the service stack (then delegate it from the parent zone).
    domain_name: str = "api.reminderly.example.com"
    hosted_zone_name: str = "reminderly.example.com"
    hosted_zone_id: str | None = None
    # Who is paged: an HTTPS endpoint (PagerDuty, Opsgenie, ... SNS integration URL) or an
    # email address, subscribed to the stage's paging topic. Required outside dev.
    paging_subscription: str | None = None
    # staging and prod refuse to synthesize with placeholder settings; dev only warns
    requires_real_settings: bool = True
    api_cpu: int = 512
    api_memory_mib: int = 1024
    api_min_tasks: int = 2
    api_max_tasks: int = 6
    worker_min_tasks: int = 1
    worker_max_tasks: int = 4
    ses_identity: str = "reminderly.example.com"  # verified SES domain the worker sends from
    ses_configuration_set: str = "reminderly"
    # the End User Messaging SMS phone pool the worker sends from (placeholder id: set the real one)
    sms_pool_id: str = "pool-00000000000000000000000000000000"
    # pools given to single accounts (`reminderly account set-sms-sender`): the worker may send
    # from these too, and replies to their numbers reach their account alone
    account_sms_pool_ids: tuple[str, ...] = ()
    # the console's optional single sign-on (None: people sign in with password + MFA only)
    sso: SsoConfig | None = None
    # what the standby tier in dr_region sends from when it is active (SES identities,
    # configuration sets and phone pools are regional): verified there before a failover
    dr_ses_identity: str = "reminderly.example.com"
    dr_ses_configuration_set: str = "reminderly"
    dr_sms_pool_id: str = "pool-00000000000000000000000000000000"
    # Provider send rates: the only brake on sending (token buckets in PostgreSQL shared by
    # every worker). Set them to what AWS granted the account:
    # - SMS: End User Messaging's rate is per origination identity and destination country,
    #   in message parts per second: a US toll-free number 3, a 10DLC campaign 1 to 75 (its
    #   trust score), a short code 100; a pool's numbers add up. Not readable through the API.
    # - Email: SES's MaxSendRate for the account and region (sandbox 1/s, a new production
    #   account 14/s, raised on request). The worker reads it at start (sesv2 GetAccount) and
    #   never brakes above it, so this is a ceiling; SES's value applies when it is lower.
    sms_per_second: float = 3.0
    email_per_second: float = 14.0
    # provider calls in flight per worker task: at 50-65 ms a call (SES and End User Messaging
    # from inside the region) 64 carry about 1,000/s, more than one task's CPU can feed
    worker_inflight: int = 64
    # what one worker task (512 CPU units) sends a second when the rate allows, measured
    # (bench/RESULTS.md: CPU per message): a task beyond rate / this adds nothing
    worker_task_send_rate: float = 300.0
    # The second SMS route: a phone number, sender id or pool (ARN or id) used while the primary
    # pool is throttled or failing on `sms_route_failure_share` of its calls for
    # `sms_route_seconds`; probed and switched back once it accepts again. None: one route.
    sms_secondary_origination: str | None = None
    sms_route_failure_share: float = 0.5
    sms_route_seconds: int = 60
    waf_rate_limit_per_5_min: int = 2000
    alarms: AlarmThresholds = field(default_factory=AlarmThresholds)

    @property
    def prefix(self) -> str:
        return resource_prefix(self.name)

    @property
    def worker_tasks_for_rate(self) -> int:
        """The most worker tasks the provider rates can use (never fewer than the minimum,
        never more than the stage's maximum): scaling stops there."""
        useful = -(-(self.sms_per_second + self.email_per_second) // self.worker_task_send_rate)
        return int(max(self.worker_min_tasks, min(self.worker_max_tasks, useful)))

    def sending(self, standby: bool) -> tuple[str, str, str]:
        """(SES identity, configuration set, SMS pool id) of the primary or the standby tier."""
        if standby:
            return self.dr_ses_identity, self.dr_ses_configuration_set, self.dr_sms_pool_id
        return self.ses_identity, self.ses_configuration_set, self.sms_pool_id

    def missing_settings(self) -> list[str]:
        """Every setting still a placeholder (or unset), each with what to put there."""
        n = self.name
        out = []
        if _placeholder_account(self.account):
            out.append(f"{n}.account: the stage's 12-digit AWS account id")
        if _placeholder_domain(self.hosted_zone_name):
            out.append(f"{n}.hosted_zone_name: the Route 53 public zone the API's name lives in")
        if _placeholder_domain(self.domain_name):
            out.append(f"{n}.domain_name: the API's public name (links in messages, webhooks)")
        elif not _within(self.domain_name, self.hosted_zone_name):
            out.append(f"{n}.domain_name: {self.domain_name} is not inside {self.hosted_zone_name}")
        if self.hosted_zone_id is not None and not re.fullmatch(
            r"Z[0-9A-Z]{8,32}", self.hosted_zone_id
        ):
            out.append(f"{n}.hosted_zone_id: a Route 53 zone id (Z...), or None to create the zone")
        if _placeholder_domain(self.ses_identity):
            out.append(f"{n}.ses_identity: the verified SES domain the worker sends from")
        if re.fullmatch(r"pool-0+", self.sms_pool_id):
            out.append(f"{n}.sms_pool_id: the End User Messaging SMS phone pool id")
        if _placeholder_domain(self.dr_ses_identity):
            out.append(
                f"{n}.dr_ses_identity: the verified SES domain in {self.dr_region} (standby tier)"
            )
        if re.fullmatch(r"pool-0+", self.dr_sms_pool_id):
            out.append(f"{n}.dr_sms_pool_id: the phone pool id in {self.dr_region} (standby tier)")
        if (
            not self.paging_subscription
            or not re.fullmatch(r"https://\S+|[^@\s]+@[^@\s]+\.[a-z]+", self.paging_subscription)
            or _placeholder_domain(
                self.paging_subscription.rsplit("@", 1)[-1].removeprefix("https://").split("/")[0]
            )
        ):
            out.append(f"{n}.paging_subscription: the on-call HTTPS endpoint or email address")
        return out


STAGES: dict[str, StageConfig] = {
    "dev": StageConfig(
        name="dev",
        account="111111111111",
        region="us-east-1",
        dr_region="us-west-2",
        vpc_cidr="10.10.0.0/16",
        max_azs=2,
        nat_gateways=1,
        db_instance_type="t4g.medium",
        db_allocated_storage_gib=20,
        db_max_allocated_storage_gib=100,
        db_multi_az=False,
        db_backup_retention_days=7,
        db_deletion_protection=False,
        log_retention_days=14,
        api_min_tasks=1,
        api_max_tasks=2,
        worker_max_tasks=2,
        domain_name="api.dev.reminderly.example.com",
        hosted_zone_name="dev.reminderly.example.com",
        requires_real_settings=False,
        retain_data=False,
    ),
    "staging": StageConfig(
        name="staging",
        account="222222222222",
        region="us-east-1",
        dr_region="us-west-2",
        vpc_cidr="10.20.0.0/16",
        max_azs=2,
        nat_gateways=1,
        db_instance_type="m7g.large",
        db_allocated_storage_gib=50,
        db_max_allocated_storage_gib=200,
        db_multi_az=False,
        db_backup_retention_days=14,
        db_deletion_protection=True,
        log_retention_days=30,
        domain_name="api.staging.reminderly.example.com",
        hosted_zone_name="staging.reminderly.example.com",
    ),
    "prod": StageConfig(
        name="prod",
        account="333333333333",
        region="us-east-1",
        dr_region="us-west-2",
        vpc_cidr="10.30.0.0/16",
        max_azs=3,
        nat_gateways=3,
        db_instance_type="r7g.large",
        db_allocated_storage_gib=100,
        db_max_allocated_storage_gib=1000,
        db_multi_az=True,
        db_backup_retention_days=35,
        db_deletion_protection=True,
        log_retention_days=90,
        backup_vault_lock=True,
        dr_replica=True,
        api_cpu=1024,
        api_memory_mib=2048,
        api_min_tasks=3,
        api_max_tasks=12,
        worker_min_tasks=2,
        worker_max_tasks=8,
        # a short-code pool (100 parts/s) and an SES rate raised to 200/s: set what AWS granted
        sms_per_second=100.0,
        email_per_second=200.0,
        sms_secondary_origination="pool-10000000000000000000000000000000",
        domain_name="api.reminderly.example.com",
        hosted_zone_name="reminderly.example.com",
    ),
}


@dataclass(frozen=True)
class PipelineConfig:
    """Where the CI/CD pipeline runs and what it watches (placeholders: set the real ones)."""

    account: str = "444444444444"
    region: str = "us-east-1"
    repository: str = "reminderly/reminderly"
    branch: str = "main"
    connection_arn: str = "arn:aws:codeconnections:us-east-1:444444444444:connection/00000000-0000-0000-0000-000000000000"

    def missing_settings(self) -> list[str]:
        out = []
        if _placeholder_account(self.account):
            out.append("pipeline.account: the tooling account's 12-digit AWS account id")
        if "00000000-0000-0000-0000-000000000000" in self.connection_arn:
            out.append("pipeline.connection_arn: the CodeConnections connection to the repository")
        return out


PIPELINE = PipelineConfig()


class IncompleteConfig(SystemExit):
    """Synth refused: settings still placeholders. One error lists them all."""


def require_settings(
    stages: Iterable[StageConfig], pipeline: PipelineConfig | None = None
) -> list[str]:
    """Refuse (IncompleteConfig) when a stage that requires real settings, or the pipeline,
    still has placeholders; returns what dev stages still lack (the app warns about those)."""
    refused: list[str] = [] if pipeline is None else pipeline.missing_settings()
    warned: list[str] = []
    for stage in stages:
        (refused if stage.requires_real_settings else warned).extend(stage.missing_settings())
    if refused:
        raise IncompleteConfig(
            "error: cannot synthesize with placeholder settings; set these in cdk/config.py:\n"
            + "\n".join(f"  - {m}" for m in refused)
        )
    return warned


def _placeholder_account(account: str) -> bool:
    return (
        not re.fullmatch(r"\d{12}", account) or len(set(account)) == 1 or account == "123456789012"
    )


def _placeholder_domain(name: str) -> bool:
    labels = name.lower().rstrip(".").split(".")
    return (
        len(labels) < 2
        or labels[-1] in {"example", "test", "invalid", "localhost"}
        or labels[-2:] in (["example", "com"], ["example", "net"], ["example", "org"])
    )


def _within(name: str, zone: str) -> bool:
    return name == zone or name.endswith(f".{zone}")
